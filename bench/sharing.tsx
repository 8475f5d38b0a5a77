/**
 * Sharing and teardown (issue 10 item 2, SPEC R2, R4, H2): 1,000 mounted hooks on 10 requests
 * open 10 streams; the heap each extra subscriber costs — what the hook adds to a component,
 * against a plain component with a state and an effect hook (React's own cost per component),
 * and against one with `useSyncExternalStore` over a trivial store (React's own cost of a
 * subscription) — with and without a `select`; unmounting all 1,000 at once schedules O(keys)
 * idle timers, not O(components), and takes at most 2× the time to mount them.
 */
import "./lib/jsdom.js";
import { useEffect, useState, useSyncExternalStore } from "react";
import { flushSync } from "react-dom";
import { createRoot } from "react-dom/client";
import {
  MaterializerProvider,
  MaterializerRegistry,
  serviceHealthRequest,
  type Timers,
  useMaterializedView,
} from "../src/react/index.js";
import { burstClient } from "./lib/burst-client.js";
import {
  type Chart,
  check,
  emit,
  type Figure,
  figure,
  median,
  now,
  quick,
  rounds,
  settledHeap,
} from "./lib/figures.js";

const KEYS = 10;
const HOOKS = quick ? 200 : 1_000;
const ids = Array.from({ length: HOOKS }, (_, i) => i);
const requests = Array.from({ length: KEYS }, (_, k) => serviceHealthRequest({ service: `s${k}` }));

function Hook({ k, shown }: { k: number; shown: Set<number> }) {
  const { data } = useMaterializedView(requests[k]);
  useEffect(() => {
    if (data) shown.add(k);
  });
  // No DOM: jsdom's nodes would dwarf what a subscriber costs.
  return null;
}
/** The same with a `select` of its own (a per-component observer keeps its result). */
const count = (r: { nodes: readonly unknown[] }) => r.nodes.length;
function Selecting({ k, shown }: { k: number; shown: Set<number> }) {
  const { data } = useMaterializedView(requests[k], { select: count });
  useEffect(() => {
    if (data) shown.add(k);
  });
  return null;
}
/** React's own cost of an external-store subscription: the hook's floor. */
const trivial = { value: 1 };
const subscribeTrivial = () => () => {};
const readTrivial = () => trivial;
function Uses({ k }: { k: number }) {
  const value = useSyncExternalStore(subscribeTrivial, readTrivial, readTrivial);
  useEffect(() => {});
  return value.value < 0 || k < 0 ? <span /> : null;
}
/** React's own cost per component: state and an effect, no DOM. */
function Plain({ k }: { k: number }) {
  const [value] = useState(k);
  useEffect(() => {});
  return value < 0 ? <span /> : null;
}

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

async function once() {
  const source = burstClient(100);
  let timers = 0;
  const counting: Timers = {
    setTimeout: (cb, ms) => {
      timers++;
      return setTimeout(cb, ms);
    },
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  };
  const registry = new MaterializerRegistry({ client: source.client, timers: counting });
  const shown = new Set<number>();
  const root = createRoot(document.createElement("div"));
  const tree = (count: number, Component: typeof Hook | typeof Plain | typeof Uses) => (
    <MaterializerProvider registry={registry}>
      {ids.slice(0, count).map((id) => (
        <Component key={id} k={id % KEYS} shown={shown} />
      ))}
    </MaterializerProvider>
  );
  // Plain components first: React's own heap per component.
  flushSync(() => root.render(tree(KEYS, Plain)));
  const plain0 = settledHeap();
  flushSync(() => root.render(tree(HOOKS, Plain)));
  const plainPer = (settledHeap() - plain0) / (HOOKS - KEYS);
  flushSync(() => root.render(tree(0, Plain)));
  flushSync(() => root.render(tree(KEYS, Uses)));
  const uses0 = settledHeap();
  flushSync(() => root.render(tree(HOOKS, Uses)));
  const usesPer = (settledHeap() - uses0) / (HOOKS - KEYS);
  flushSync(() => root.render(tree(0, Uses)));
  // One hook per key, streams open and snapshots shown.
  flushSync(() => root.render(tree(KEYS, Hook)));
  const deadline = Date.now() + 60_000;
  while (shown.size < KEYS) {
    check(Date.now() < deadline, "the snapshots never showed");
    await macrotask();
  }
  const heap0 = settledHeap();
  let start = now();
  flushSync(() => root.render(tree(HOOKS, Hook)));
  await macrotask();
  const mountMs = now() - start;
  const hookPer = (settledHeap() - heap0) / (HOOKS - KEYS);
  check(
    source.opened === KEYS,
    `${HOOKS} hooks on ${KEYS} requests opened ${source.opened} streams`,
  );
  check(registry.stats().openStreams === KEYS, "open streams");
  const before = timers;
  start = now();
  flushSync(() => root.render(tree(0, Hook)));
  await macrotask();
  const unmountMs = now() - start;
  // Teardown is scheduled in later tasks: let it run, then count what it set.
  for (let i = 0; i < 5; i++) await macrotask();
  const scheduled = timers - before;
  // Components with a select of their own, on the same (still open) entries.
  flushSync(() => root.render(tree(KEYS, Selecting)));
  await macrotask();
  const selecting0 = settledHeap();
  flushSync(() => root.render(tree(HOOKS, Selecting)));
  await macrotask();
  const selectingPer = (settledHeap() - selecting0) / (HOOKS - KEYS);
  flushSync(() => root.render(tree(0, Selecting)));
  root.unmount();
  registry.dispose();
  return {
    plainPer,
    usesPer,
    hookPer,
    selectingPer,
    mountMs,
    unmountMs,
    scheduled,
    streams: source.opened,
  };
}

const samples: Awaited<ReturnType<typeof once>>[] = [];
for (let r = 0; r < (quick ? 1 : rounds) + 1; r++) {
  const o = await once();
  if (r > 0) samples.push(o);
}
const m = (pick: (o: (typeof samples)[number]) => number) => median(samples.map(pick));
const plain = m((o) => o.plainPer);
const uses = m((o) => o.usesPer);
const hook = m((o) => o.hookPer);
const selecting = m((o) => o.selectingPer);
const mount = m((o) => o.mountMs);
const unmount = m((o) => o.unmountMs);
const scheduled = Math.max(...samples.map((o) => o.scheduled));
const figures: Figure[] = [
  figure(
    `streams for ${HOOKS.toLocaleString("en")} hooks on ${KEYS} requests`,
    samples[0]!.streams,
    "streams",
    undefined,
    { valueAtMost: KEYS },
  ),
  figure("heap per plain component (React's own cost)", plain, "B"),
  figure("heap per useSyncExternalStore component (React's own cost of a subscription)", uses, "B"),
  figure("heap per extra subscriber (hook component)", hook, "B"),
  // The "heap per extra subscriber ≤ 1 KB": what subscribing adds to a component.
  figure("heap per extra subscriber above a plain component", hook - plain, "B", undefined, {
    valueAtMost: 1024,
  }),
  figure("heap per extra subscriber above a useSyncExternalStore component", hook - uses, "B"),
  figure(
    "heap per extra subscriber with a select, above a plain component",
    selecting - plain,
    "B",
  ),
  figure(`mount ${HOOKS.toLocaleString("en")} hooks`, mount, "ms"),
  figure(
    `unmount all ${HOOKS.toLocaleString("en")} at once`,
    unmount,
    "ms",
    { name: "mount", value: mount },
    { ratioAtMost: 2 },
  ),
  figure(
    `timers scheduled by unmounting ${HOOKS.toLocaleString("en")} hooks on ${KEYS} keys`,
    scheduled,
    "timers",
    undefined,
    { valueAtMost: KEYS },
  ),
];
const charts: Chart[] = [
  {
    kind: "bar",
    file: "sharing-teardown",
    title: `${HOOKS.toLocaleString("en")} hooks on ${KEYS} requests: mount vs unmount (ms)`,
    unit: "ms",
    bars: [
      { label: "mount", value: mount },
      { label: "unmount all at once", value: unmount },
    ],
  },
  {
    kind: "bar",
    file: "sharing-heap",
    title: "Heap a subscriber adds to a component (bytes above a plain component)",
    unit: "B",
    target: 1024,
    bars: [
      { label: "useSyncExternalStore alone (React's floor)", value: uses - plain },
      { label: "useMaterializedView", value: hook - plain },
      { label: "useMaterializedView with a select", value: selecting - plain },
    ],
  },
];
emit({
  group: "sharing",
  title: "Sharing and teardown",
  setup: `React 19 (production) in jsdom, an in-memory stream per request (100 instances), ${HOOKS.toLocaleString("en")} components over ${KEYS} requests, ${quick ? 1 : rounds} rounds after a warm-up, medians (timers: the worst round). Mount and unmount are timed from the render call to the end of the next task; heap after two full collections.`,
  figures,
  charts,
});
process.exit(0);
