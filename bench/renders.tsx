/**
 * Renders per burst (issue 10 item 2, SPEC H5, R3): 10 components read the whole view and 10
 * select a slice the burst never changes (instance 0's check status), all on one request;
 * a thin useSyncExternalStore consumer (a Map, a new snapshot per event) takes the same
 * events. 1,000 events arrive back to back in one task; renders are counted per component
 * from the burst until every full reader shows its last event.
 */
import "./lib/jsdom.js";
import { useEffect, useSyncExternalStore } from "react";
import { createRoot } from "react-dom/client";
import {
  MaterializerProvider,
  MaterializerRegistry,
  type ServiceHealthResult,
  serviceHealthRequest,
  useMaterializedView,
} from "../src/react/index.js";
import { burstClient } from "./lib/burst-client.js";
import { type Chart, check, emit, figure, median, quick, rounds } from "./lib/figures.js";

const INSTANCES = 100;
const BURST = 1_000;
const READERS = 10;
const READER_IDS = Array.from({ length: READERS }, (_, i) => i);
const request = serviceHealthRequest({ service: "web" });
const instance0 = (r: ServiceHealthResult) =>
  r.nodes.find((n) => n.Service?.ID === "web-0")?.Checks[0]?.Status;

interface Counters {
  full: number[];
  slice: number[];
  thin: number[];
  shown: bigint[];
}

function Full({ id, c }: { id: number; c: Counters }) {
  const { data } = useMaterializedView(request);
  c.full[id]!++;
  useEffect(() => {
    c.shown[id] = data?.index ?? 0n;
  });
  return <span>{data?.nodes.length}</span>;
}
function Slice({ id, c }: { id: number; c: Counters }) {
  const { data } = useMaterializedView(request, { select: instance0 });
  c.slice[id]!++;
  return <span>{data}</span>;
}

/** The thinnest consumer on the same materializer-free path: a new snapshot per event. */
function thinStore(source: ReturnType<typeof burstClient>) {
  const nodes = new Map<string, unknown>();
  const listeners = new Set<() => void>();
  let snapshot = { index: 0n, size: 0 };
  const controller = new AbortController();
  (async () => {
    for await (const event of source.client.subscribe({} as never, { signal: controller.signal })) {
      if (event.Payload.case === "ServiceHealth")
        nodes.set(event.Payload.value.CheckServiceNode?.Service?.ID ?? "", event);
      snapshot = { index: event.Index, size: nodes.size };
      for (const l of listeners) l();
    }
  })().catch(() => {});
  return {
    subscribe: (l: () => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    getSnapshot: () => snapshot,
    close: () => controller.abort(),
  };
}
function Thin({ store, c }: { store: ReturnType<typeof thinStore>; c: Counters }) {
  const s = useSyncExternalStore(store.subscribe, store.getSnapshot);
  c.thin[0]!++;
  return <span>{s.size}</span>;
}

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));
async function until(condition: () => boolean) {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("broken benchmark: the burst never showed");
    await macrotask();
  }
}

async function once() {
  const source = burstClient(INSTANCES);
  const registry = new MaterializerRegistry({ client: source.client });
  const store = thinStore(source);
  const c: Counters = {
    full: Array(READERS).fill(0),
    slice: Array(READERS).fill(0),
    thin: [0],
    shown: Array(READERS).fill(0n),
  };
  const root = createRoot(document.createElement("div"));
  root.render(
    <MaterializerProvider registry={registry}>
      {READER_IDS.map((i) => (
        <Full key={`f${i}`} id={i} c={c} />
      ))}
      {READER_IDS.map((i) => (
        <Slice key={`s${i}`} id={i} c={c} />
      ))}
      <Thin store={store} c={c} />
    </MaterializerProvider>,
  );
  await until(() => c.shown.every((i) => i === 1n) && store.getSnapshot().index === 1n);
  for (let i = 0; i < 3; i++) await macrotask();
  c.full.fill(0);
  c.slice.fill(0);
  c.thin[0] = 0;
  source.burst(BURST);
  const last = source.index;
  await until(() => c.shown.every((i) => i === last) && store.getSnapshot().index === last);
  for (let i = 0; i < 3; i++) await macrotask();
  check(source.opened === 2, `one stream for the hooks, one for thin (got ${source.opened})`);
  const out = {
    full: Math.max(...c.full),
    slice: Math.max(...c.slice),
    thin: c.thin[0]!,
  };
  root.unmount();
  store.close();
  registry.dispose();
  return out;
}

const samples: { full: number[]; slice: number[]; thin: number[] } = {
  full: [],
  slice: [],
  thin: [],
};
for (let r = 0; r < (quick ? 1 : rounds) + 1; r++) {
  const o = await once();
  if (r === 0) continue;
  samples.full.push(o.full);
  samples.slice.push(o.slice);
  samples.thin.push(o.thin);
}
const full = Math.max(...samples.full);
const slice = Math.max(...samples.slice);
const thin = median(samples.thin);
const charts: Chart[] = [
  {
    kind: "bar",
    file: "renders-burst",
    title: `Renders per component for a ${BURST.toLocaleString("en")}-event burst (log scale)`,
    unit: "renders",
    log: true,
    bars: [
      { label: "ours, whole view", value: full },
      { label: "ours, unchanged slice", value: Math.max(slice, 0.1), text: `${slice} renders` },
      { label: "thin useSyncExternalStore + Map", value: thin },
    ],
  },
];
emit({
  group: "renders",
  title: "Renders per burst",
  setup: `React 19 (production) in jsdom; ${READERS} components read the whole view and ${READERS} a slice the burst never touches, one request, ${INSTANCES} instances; ${BURST.toLocaleString("en")} events yielded back to back in one task by an in-memory stream; the worst component of ${quick ? 1 : rounds} rounds (after a warm-up).`,
  figures: [
    figure(
      `renders per whole-view component, ${BURST}-event burst (worst)`,
      full,
      "renders",
      undefined,
      {
        valueAtMost: 1,
      },
    ),
    figure(`renders per unchanged-slice component (worst)`, slice, "renders", undefined, {
      valueAtMost: 0,
    }),
    figure(`renders, thin useSyncExternalStore + Map, same burst`, thin, "renders"),
  ],
  charts,
});
process.exit(0);
