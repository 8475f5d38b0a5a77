/**
 * Core figures (issue 10 item 2), each a ratio against a baseline measured in the same run,
 * cases interleaved round by round:
 * 1. End to end: recorded wire events decoded and applied by Materializer + ServiceHealthView,
 *    against the retain-and-decode floor (decode + keep each instance's message in a Map, the
 *    least any consumer that keeps the state can do) and against decode only.
 * 2. Snapshot: 10k instances decoded, applied and the first result built, against decode only.
 * 3. Scaling: per-event cost of Materializer + ServiceHealthView at 100 … 100k instances (events
 *    pre-decoded, so the view's own scaling is measured), against the cost at 100.
 * Cases 1 and 2 also run the view with `compact: false` (it keeps the decoded messages), so
 * what compaction buys is measured in the same run.
 */
import type { Event } from "../src/gen/index.js";
import {
  csnOf,
  encode,
  endOfSnapshot,
  healthEvent,
  healthMaterializer,
  reached,
  recordedStream,
  replay,
} from "./lib/events.js";
import {
  type Chart,
  check,
  emit,
  type Figure,
  figure,
  gc,
  interleave,
  median,
  now,
  quick,
  rounds,
} from "./lib/figures.js";

const signal = () => new AbortController().signal;
const figures: Figure[] = [];
const charts: Chart[] = [];

/** Drains a replay of `wire` (decoding every event), handing each event to `each`. */
async function drain(wire: readonly Uint8Array[], each?: (event: Event) => void) {
  for await (const event of replay(wire).subscribe({} as never, { signal: signal() }))
    each?.(event);
}

/** Materializes `wire` until `last` is applied; returns the ms taken and the view's size. */
async function materialize(wire: readonly Uint8Array[], last: bigint, compact = true) {
  const materializer = healthMaterializer(replay(wire), { compact });
  const controller = new AbortController();
  const start = now();
  const running = materializer.run(controller.signal);
  await reached(materializer, last);
  const nodes = materializer.getSnapshot().value?.nodes.length ?? -1;
  const ms = now() - start;
  controller.abort();
  // Ended before the next case's collection, so its garbage is not billed to that case.
  await running;
  return { ms, nodes };
}

// 1. End to end against the floor.
{
  const instances = 1_000;
  const live = quick ? 5_000 : 100_000;
  const wire = recordedStream(instances, live);
  const last = BigInt(live + 1);
  let floorSize = 0;
  let oursSize = 0;
  const samples = await interleave({
    decode: async () => {
      const start = now();
      await drain(wire);
      return now() - start;
    },
    floor: async () => {
      const map = new Map<string, unknown>();
      const start = now();
      await drain(wire, (event) => {
        const csn = csnOf(event);
        if (csn) map.set(`${csn.Node?.Node}/${csn.Service?.ID}`, csn);
      });
      floorSize = map.size;
      return now() - start;
    },
    ours: async () => {
      const { ms, nodes } = await materialize(wire, last);
      oursSize = nodes;
      return ms;
    },
    plain: async () => (await materialize(wire, last, false)).ms,
  });
  check(floorSize === instances && oursSize === instances, "end-to-end view size");
  const decode = median(samples.decode);
  const floor = median(samples.floor);
  const ours = median(samples.ours);
  const n = `${live.toLocaleString("en")} events over ${instances.toLocaleString("en")} instances`;
  figures.push(
    figure(`decode only, ${n}`, decode, "ms"),
    figure(`retain-and-decode floor, ${n}`, floor, "ms", { name: "decode only", value: decode }),
    figure(
      `materialize (decode + Materializer + ServiceHealthView) vs the floor, ${n}`,
      ours,
      "ms",
      { name: "retain-and-decode floor", value: floor },
      { ratioAtMost: 1.1 },
    ),
    figure(`materialize vs decode only, ${n}`, ours, "ms", { name: "decode only", value: decode }),
    figure(`materialize, compact: false, vs the floor, ${n}`, median(samples.plain), "ms", {
      name: "retain-and-decode floor",
      value: floor,
    }),
  );
  charts.push({
    kind: "bar",
    file: "core-end-to-end",
    title: `End to end, ${n} (ms, median)`,
    unit: "ms",
    bars: [
      { label: "decode only", value: decode },
      { label: "decode + retain in a Map (floor)", value: floor },
      { label: "decode + Materializer + view, compact: false", value: median(samples.plain) },
      { label: "decode + Materializer + view", value: ours },
    ],
  });
}

// 2. Snapshot of 10k instances: applied and first result built, against decode only.
{
  const instances = quick ? 2_000 : 10_000;
  const wire = recordedStream(instances, 0);
  const n = `snapshot of ${instances.toLocaleString("en")} instances`;
  let nodes = 0;
  const samples = await interleave({
    decode: async () => {
      const start = now();
      await drain(wire);
      return now() - start;
    },
    floor: async () => {
      const map = new Map<string, unknown>();
      const start = now();
      await drain(wire, (event) => {
        const csn = csnOf(event);
        if (csn) map.set(`${csn.Node?.Node}/${csn.Service?.ID}`, csn);
      });
      return now() - start;
    },
    ours: async () => {
      const run = await materialize(wire, 1n);
      nodes = run.nodes;
      return run.ms;
    },
    plain: async () => (await materialize(wire, 1n, false)).ms,
  });
  check(nodes === instances, "snapshot view size");
  const decode = median(samples.decode);
  figures.push(
    figure(`${n}, decode + retain in a Map (floor)`, median(samples.floor), "ms", {
      name: "decode only",
      value: decode,
    }),
    figure(`${n} applied, first result built, vs the floor`, median(samples.ours), "ms", {
      name: "retain-and-decode floor",
      value: median(samples.floor),
    }),
  );
  figures.push(
    figure(`${n}, decode only`, decode, "ms"),
    figure(
      `${n} applied, first result built`,
      median(samples.ours),
      "ms",
      { name: "decode only", value: decode },
      { ratioAtMost: 1.3 },
    ),
    figure(`${n} applied, first result built, compact: false`, median(samples.plain), "ms", {
      name: "decode only",
      value: decode,
    }),
  );
}

// 3. Per-event cost against view size: the view's own (events pre-decoded), and as an app
// sees it (each event decoded as it is read, so it is in cache when applied).
{
  const sizes = quick ? [100, 10_000] : [100, 1_000, 10_000, 100_000];
  const live = quick ? 5_000 : 50_000;
  // Built per measurement and dropped after it: a heap holding every size's events at once
  // would bill the small views for the large ones' collections.
  const prepare = (size: number, wire: boolean) => {
    const all: (Event | Uint8Array)[] = [];
    const add = (event: Event) => all.push(wire ? encode(event) : event);
    for (let i = 0; i < size; i++) add(healthEvent(1n, i, 0));
    add(endOfSnapshot(1n));
    for (let i = 0; i < live; i++) add(healthEvent(BigInt(i + 2), (i * 7919) % size, i + 1));
    return all as Event[] | Uint8Array[];
  };
  const perEvent = async (size: number, wire: boolean) => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const materializer = healthMaterializer(replay(prepare(size, wire), gate, size + 1));
    const controller = new AbortController();
    const running = materializer.run(controller.signal);
    await reached(materializer, 1n);
    gc();
    const start = now();
    open();
    await reached(materializer, BigInt(live + 1));
    const ns = ((now() - start) * 1e6) / live;
    check(materializer.getSnapshot().value?.nodes.length === size, `view of ${size}`);
    controller.abort();
    await running;
    return ns;
  };
  /** The floor at the same size: decode as read and keep each instance's message in a Map. */
  const perEventFloor = async (size: number) => {
    const map = new Map<string, unknown>();
    let seen = 0;
    let start = 0;
    await drain(prepare(size, true) as Uint8Array[], (event) => {
      if (seen++ === size + 1) {
        gc();
        start = now();
      }
      const csn = csnOf(event);
      if (csn) map.set(`${csn.Node?.Node}/${csn.Service?.ID}`, csn);
    });
    const ns = ((now() - start) * 1e6) / (live - 1);
    check(map.size === size, `floor of ${size}`);
    return ns;
  };
  const ends = [sizes[0]!, sizes.at(-1)!];
  const samples = await interleave({
    ...Object.fromEntries(sizes.map((size) => [`pre${size}`, () => perEvent(size, false)])),
    ...Object.fromEntries(ends.map((size) => [`wire${size}`, () => perEvent(size, true)])),
    ...Object.fromEntries(ends.map((size) => [`floor${size}`, () => perEventFloor(size)])),
  });
  const at = (key: string) => median(samples[key]!);
  for (const size of sizes) {
    figures.push(
      figure(
        `per live event at ${size.toLocaleString("en")} instances, pre-decoded`,
        at(`pre${size}`),
        "ns",
        size === 100 ? undefined : { name: "at 100 instances", value: at("pre100") },
        size === 100_000 ? { ratioAtMost: 1.3 } : undefined,
      ),
    );
  }
  for (const size of ends) {
    figures.push(
      figure(
        `per live event at ${size.toLocaleString("en")} instances, decoded as read`,
        at(`wire${size}`),
        "ns",
        size === 100 ? undefined : { name: "at 100 instances", value: at("wire100") },
        size === 100_000 ? { ratioAtMost: 1.3 } : undefined,
      ),
    );
  }
  for (const size of ends) {
    figures.push(
      figure(
        `retain-and-decode floor per live event at ${size.toLocaleString("en")} instances`,
        at(`floor${size}`),
        "ns",
        size === 100 ? undefined : { name: "floor at 100 instances", value: at("floor100") },
      ),
      figure(
        `decoded as read vs the floor, ${size.toLocaleString("en")} instances`,
        at(`wire${size}`),
        "ns",
        { name: "floor at the same size", value: at(`floor${size}`) },
      ),
    );
  }
  charts.push({
    kind: "line",
    file: "core-per-event",
    title: "Cost per live event against view size (ns, median)",
    xLabel: "instances in the view (log scale)",
    unit: "ns / event",
    series: [
      {
        name: "decoded as read + Materializer + view",
        points: ends.map((size) => [size, at(`wire${size}`)] as const),
      },
      {
        name: "retain-and-decode floor",
        points: ends.map((size) => [size, at(`floor${size}`)] as const),
      },
      {
        name: "Materializer + view (pre-decoded)",
        points: sizes.map((size) => [size, at(`pre${size}`)] as const),
      },
    ],
  });
}

emit({
  group: "core",
  title: "Core: materialize vs the retain-and-decode floor",
  setup: `Node ${process.version}, ${rounds} rounds after a warm-up, cases interleaved, medians, a full GC before each case. Wire events are Consul-shaped (node with meta, service with tags/weights/raft indexes, one check), binary protobuf, decoded as they are read from an async stream.`,
  figures,
  charts,
});
