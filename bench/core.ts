/**
 * `npm run bench`: the cost of materializing, as ratios against a baseline measured in the same
 * run (SPEC V4, issue "Core" item 7). Results go to BENCHMARKS.md.
 *
 * 1. End to end: 100k recorded live wire events over 1k instances, decoded and applied by a
 *    Materializer + ServiceHealthView, versus decoding the same bytes through the same async
 *    stream and doing nothing else (decode-only baseline).
 * 2. Scaling: the per-event cost of Materializer + ServiceHealthView for views of 100, 1k, 10k
 *    and 100k instances (events pre-decoded, so the view's own scaling is what is measured).
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  Materializer,
  RetryWaiter,
  ServiceHealthView,
  type StreamClient,
} from "../src/core/index.js";
import {
  CatalogOp,
  type Event,
  EventSchema,
  SubscribeRequestSchema,
  Topic,
} from "../src/gen/index.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function healthEvent(index: bigint, instance: number, round: number): Event {
  const node = `node-${instance % 200}`;
  const id = `web-${instance}`;
  return create(EventSchema, {
    Index: index,
    Payload: {
      case: "ServiceHealth",
      value: {
        Op: CatalogOp.Register,
        CheckServiceNode: {
          Node: {
            ID: node,
            Node: node,
            Address: `10.0.${instance % 250}.1`,
            Datacenter: "dc1",
            Meta: { rack: `r${instance % 3}` },
          },
          Service: {
            ID: id,
            Service: "web",
            Tags: round % 2 ? ["v1", "primary"] : ["v2"],
            Port: 8000 + (instance % 1000),
            Weights: { Passing: 1, Warning: 1 },
            RaftIndex: { CreateIndex: 1n, ModifyIndex: index },
          },
          Checks: [
            {
              Node: node,
              CheckID: `service:${id}`,
              Name: "check",
              Status: ["passing", "warning", "critical"][round % 3]!,
              ServiceID: id,
              ServiceName: "web",
              RaftIndex: { CreateIndex: 1n, ModifyIndex: index },
            },
          ],
        },
      },
    },
  });
}

const end = (index: bigint) =>
  create(EventSchema, { Index: index, Payload: { case: "EndOfSnapshot", value: true } });

/** A stream client replaying a prepared list: events, or bytes decoded on the fly. */
function replay(
  source: readonly Event[] | readonly Uint8Array[],
  decode: boolean,
  gate?: Promise<void>,
  at = 0,
): StreamClient {
  return {
    async *subscribe() {
      for (let i = 0; i < source.length; i++) {
        // The gate lets a bench time the live part alone, after the snapshot is applied.
        if (i === at && gate) await gate;
        yield decode ? fromBinary(EventSchema, source[i] as Uint8Array) : (source[i] as Event);
      }
    },
  };
}

/** Materializes `client`'s events; `live` (after the gate) is timed alone when a gate is given. */
async function materialize(
  client: StreamClient,
  lastIndex: bigint,
  open?: () => void,
): Promise<number> {
  const materializer = new Materializer({
    view: new ServiceHealthView(),
    client,
    waiter: new RetryWaiter({ random: () => 0 }),
    request: (index) =>
      create(SubscribeRequestSchema, { Topic: Topic.ServiceHealth, Index: index }),
  });
  const controller = new AbortController();
  void materializer.run(controller.signal);
  if (open) await materializer.fetch();
  // Collect the setup's garbage first, so it is not billed to the events being timed.
  (globalThis as { gc?: () => void }).gc?.();
  const start = performance.now();
  open?.();
  // Done when the last event is applied; reading the result (O(n), once) is not per-event cost.
  await new Promise<void>((resolve) => {
    if (materializer.index === lastIndex) resolve();
    materializer.subscribe(() => {
      if (materializer.index === lastIndex) resolve();
    });
  });
  const elapsed = performance.now() - start;
  controller.abort();
  return elapsed;
}

async function time(fn: () => Promise<void> | void): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function endToEnd() {
  const instances = 1_000;
  const count = 100_000;
  const wire: Uint8Array[] = [toBinary(EventSchema, end(1n))];
  for (let i = 0; i < count; i++)
    wire.push(
      toBinary(EventSchema, healthEvent(BigInt(i + 2), i % instances, Math.floor(i / instances))),
    );
  const last = BigInt(count + 1);
  const decodeSync: number[] = [];
  const decodeStream: number[] = [];
  const full: number[] = [];
  for (let r = 0; r < ROUNDS + 1; r++) {
    (globalThis as { gc?: () => void }).gc?.();
    const a = await time(() => {
      for (const bytes of wire) fromBinary(EventSchema, bytes);
    });
    (globalThis as { gc?: () => void }).gc?.();
    const b = await time(async () => {
      for await (const _ of replay(wire, true).subscribe(create(SubscribeRequestSchema), {
        signal: new AbortController().signal,
      })) {
        // decode only
      }
    });
    const c = await materialize(replay(wire, true), last);
    if (r > 0) {
      // Round 0 warms the JIT up.
      decodeSync.push(a);
      decodeStream.push(b);
      full.push(c);
    }
  }
  return {
    count,
    instances,
    decodeSync: median(decodeSync),
    decodeStream: median(decodeStream),
    full: median(full),
  };
}

async function scaling() {
  const sizes = [100, 1_000, 10_000, 100_000];
  const live = 50_000;
  const rows: { size: number; perEventNs: number }[] = [];
  // Built per measurement and dropped after it: a heap holding every size's events at once
  // would bill the small views for the large ones' garbage collections.
  const prepare = (size: number) => {
    const all: Event[] = [];
    for (let i = 0; i < size; i++) all.push(healthEvent(1n, i, 0));
    all.push(end(1n));
    for (let i = 0; i < live; i++) all.push(healthEvent(BigInt(i + 2), (i * 7919) % size, i + 1));
    return all;
  };
  const samples = new Map<number, number[]>(sizes.map((s) => [s, []]));
  for (let r = 0; r < ROUNDS + 1; r++) {
    for (const size of sizes) {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const ms = await materialize(
        replay(prepare(size), false, gate, size + 1),
        BigInt(live + 1),
        open,
      );
      if (r > 0) samples.get(size)!.push((ms * 1e6) / live);
    }
  }
  for (const size of sizes) rows.push({ size, perEventNs: median(samples.get(size)!) });
  return rows;
}

const e2e = await endToEnd();
const scale = await scaling();
const base = scale[0]!.perEventNs;
const out = [
  `## Core (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${ROUNDS} rounds, medians)`,
  "",
  `End to end, ${e2e.count.toLocaleString("en")} live events over ${e2e.instances.toLocaleString("en")} instances:`,
  "",
  "| run | ms | ratio to decode-only stream |",
  "|---|---:|---:|",
  `| decode only, sync loop | ${e2e.decodeSync.toFixed(0)} | ${(e2e.decodeSync / e2e.decodeStream).toFixed(2)}× |`,
  `| decode only, through the async stream (baseline) | ${e2e.decodeStream.toFixed(0)} | 1.00× |`,
  `| decode + Materializer + ServiceHealthView | ${e2e.full.toFixed(0)} | **${(e2e.full / e2e.decodeStream).toFixed(2)}×** (target ≤ 1.25×) |`,
  "",
  "Per live event, Materializer + ServiceHealthView (events pre-decoded):",
  "",
  "| view size | ns / event | ratio to 100 |",
  "|---:|---:|---:|",
  ...scale.map(
    (r) =>
      `| ${r.size.toLocaleString("en")} | ${r.perEventNs.toFixed(0)} | ${(r.perEventNs / base).toFixed(2)}× |`,
  ),
  "",
  `Target: 100k instances ≤ 1.5× the cost at 100 — measured ${(scale.at(-1)!.perEventNs / base).toFixed(2)}×.`,
];
console.log(out.join("\n"));
