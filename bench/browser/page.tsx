/**
 * The latency page (bench/browser.ts): `views` tables over `keys` subjects, rendered by one
 * consumer — "ours" (useMaterializedView), "raw" (connect-web writing the DOM itself) or
 * "react" (connect-web + useSyncExternalStore over a Map, rendered per event) — all on one
 * transport config. A MutationObserver records, for every `data-t` (publish time) that reaches
 * the DOM at or after `bench.from` (set once the page is warm), now − t in ms. With `diag=1`
 * every consumer's stream goes through one interceptor that stamps when each message leaves
 * connect-web, so the in-page share (arrival → DOM) is measured apart from the network's.
 */
import type { Interceptor, StreamResponse } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import type { Event } from "../../src/gen/index.js";
import { mountOurs } from "./ours.js";
import { mountRawDom } from "./raw-dom.js";
import { mountRawReact } from "./raw-react.js";
import { renders } from "./rows.js";

const params = new URLSearchParams(location.search);
const consumer = params.get("consumer") ?? "ours";
const views = Number(params.get("views") ?? 1);
const keys = Number(params.get("keys") ?? 1);
const diag = params.get("diag") === "1";
const clock = () => performance.timeOrigin + performance.now();

interface Bench {
  ready: boolean;
  /** Publish times below this are warm-up: not recorded. */
  from: number;
  latencies: number[];
  /** The publish time of each latency, as written (the harness picks a burst's last). */
  shownTimes: string[];
  /** diag: message leaves connect-web → DOM, ms. */
  inPage: number[];
  /** Starts measuring: publish times from `from` on; renders counted from now. */
  start(from: number): void;
  /** What was measured since `start`. */
  result(): { latencies: number[]; shownTimes: string[]; inPage: number[]; renders: number };
}
const bench: Bench = {
  ready: false,
  from: Number.POSITIVE_INFINITY,
  latencies: [],
  shownTimes: [],
  inPage: [],
  start(from) {
    bench.from = from;
    renders.count = 0;
  },
  result: () => ({
    latencies: bench.latencies,
    shownTimes: bench.shownTimes,
    inPage: bench.inPage,
    renders: renders.count,
  }),
};
(window as unknown as { bench: Bench }).bench = bench;

const arrivals = new Map<string, number>();
const stamp: Interceptor = (next) => async (req) => {
  const res = await next(req);
  if (!res.stream) return res;
  const messages = res.message as AsyncIterable<Event>;
  async function* stamped() {
    for await (const event of messages) {
      const p = event.Payload;
      const t = p.case === "ServiceHealth" ? p.value.CheckServiceNode?.Node?.Meta.t : undefined;
      if (t) arrivals.set(t, clock());
      yield event;
    }
  }
  return { ...res, message: stamped() } as StreamResponse;
};
const transport = createConnectTransport({
  baseUrl: location.origin,
  useBinaryFormat: params.get("format") === "binary",
  interceptors: diag ? [stamp] : [],
});

const root = document.getElementById("root")!;
const seen = new Set<string>();
new MutationObserver((records) => {
  const now = clock();
  for (const record of records) {
    const t = (record.target as Element).getAttribute?.("data-t");
    // Each publish time once, however many tables show it.
    if (!t || seen.has(t)) continue;
    seen.add(t);
    if (Number(t) < bench.from) continue;
    bench.latencies.push(now - Number(t));
    bench.shownTimes.push(t);
    const arrived = arrivals.get(t);
    if (arrived !== undefined) bench.inPage.push(now - arrived);
  }
}).observe(root, { subtree: true, attributes: true, attributeFilter: ["data-t"] });

/** Ready once every table shows its snapshot; the observer goes with it (no work per event). */
const markReady = () => {
  if (bench.ready || root.querySelectorAll("tr").length < views * 10) return;
  bench.ready = true;
  ready.disconnect();
};
const ready = new MutationObserver(markReady);
ready.observe(root, { subtree: true, childList: true });

if (consumer === "raw") mountRawDom(root, transport, views, keys);
else if (consumer === "react") mountRawReact(root, transport, views, keys);
else mountOurs(root, transport, views, keys);
