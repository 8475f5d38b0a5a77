/**
 * In real Chromium (issue 10 item 2; playwright-core driving Debian's /usr/bin/chromium, never a
 * downloaded browser): publish → DOM commit latency of useMaterializedView against a raw
 * connect-web consumer writing the same DOM in the same kind of page, over loopback HTTP to the
 * package's server. Each event carries its publish time (performance.timeOrigin + now(), the
 * same system clock in both processes); the page's MutationObserver records now − t for each
 * publish time that reaches the DOM. Main-thread busy time is Chromium's TaskDuration (CDP).
 * One page load per case, cases interleaved; skipped (no figures) without Chromium.
 */
import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { create } from "@bufbuild/protobuf";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { CatalogOp, type Event, EventSchema, StateChangeSubscription } from "../src/gen/index.js";
import { serve } from "../src/node/index.js";
import { EventPublisher } from "../src/server/index.js";
import { endOfSnapshot } from "./lib/events.js";
import { type Chart, check, emit, type Figure, figure, median, quick } from "./lib/figures.js";

const CHROMIUM = "/usr/bin/chromium";
const ROWS = 10;
const SECONDS = quick ? 1 : 4;
const ROUNDS = quick ? 1 : 3;
const root = new URL("..", import.meta.url).pathname;

if (!existsSync(CHROMIUM)) {
  console.warn(`browser benchmark skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
  emit({
    group: "browser",
    title: "In Chromium",
    setup: "skipped: no Chromium",
    figures: [],
    charts: [],
  });
  process.exit(0);
}

const bundle = await build({
  entryPoints: [`${root}bench/browser/page.tsx`],
  bundle: true,
  minify: true,
  write: false,
  format: "esm",
  platform: "browser",
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "error",
});
const script = bundle.outputFiles[0]!.text;
const html = `<!doctype html><meta charset=utf-8><div id=root></div><script type=module src=/page.js></script>`;

/** Live events fan out to every open subscription of their key. */
const subscribers = new Map<string, Set<(event: Event) => void>>();
let index = 1n;
const health = (at: bigint, key: string, row: number, t: string): Event =>
  create(EventSchema, {
    Index: at,
    Payload: {
      case: "ServiceHealth",
      value: {
        Op: CatalogOp.Register,
        CheckServiceNode: {
          Node: { Node: `node-${row}`, Meta: { t } },
          Service: { ID: `${key}-${row}`, Service: key },
          Checks: [{ Status: ["passing", "warning", "critical"][Number(at % 3n)]! }],
        },
      },
    },
  });

const server = await serve({
  publisher: new EventPublisher(),
  routes(router) {
    router.rpc(StateChangeSubscription.method.subscribe, async function* (req, ctx) {
      const key = req.Subject.case === "NamedSubject" ? req.Subject.value.Key : "";
      const queue: Event[] = [];
      let wake: (() => void) | undefined;
      const push = (event: Event) => {
        queue.push(event);
        wake?.();
      };
      const set = subscribers.get(key) ?? new Set();
      subscribers.set(key, set.add(push));
      const onAbort = () => wake?.();
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      try {
        const at = index;
        for (let row = 0; row < ROWS; row++) yield health(at, key, row, "");
        yield endOfSnapshot(at);
        while (!ctx.signal.aborted) {
          while (queue.length > 0) yield queue.shift()!;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      } finally {
        ctx.signal.removeEventListener("abort", onAbort);
        set.delete(push);
      }
    });
  },
  fallback: ((req: IncomingMessage, res: ServerResponse) => {
    const js = req.url?.startsWith("/page.js");
    res.writeHead(200, { "content-type": js ? "text/javascript" : "text/html" });
    res.end(js ? script : html);
  }) as never,
});

/** Publishes `rate` events per second over `keys` keys for SECONDS; returns how many. */
async function publish(rate: number, keys: number): Promise<number> {
  const end = performance.now() + SECONDS * 1000;
  let sent = 0;
  const start = performance.now();
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - start) * rate) / 1000);
    for (; sent < due; sent++) {
      index++;
      const key = `k${sent % keys}`;
      const t = String(performance.timeOrigin + performance.now());
      const event = health(index, key, (sent * 7) % ROWS, t);
      for (const push of subscribers.get(key) ?? []) push(event);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return sent;
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

interface Run {
  p50: number;
  p99: number;
  busyMs: number;
  shown: number;
}
async function run(
  consumer: string,
  format: string,
  views: number,
  keys: number,
  rate: number,
): Promise<Run> {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  await page.goto(
    `${server.url}/?consumer=${consumer}&format=${format}&views=${views}&keys=${keys}`,
  );
  await page.waitForFunction("window.bench && window.bench.ready", undefined, { timeout: 30_000 });
  const task = async () =>
    ((await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration")
      ?.value ?? 0) * 1000;
  const before = await task();
  await publish(rate, keys);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const busyMs = (await task()) - before;
  const latencies = (await page.evaluate("window.bench.latencies")) as number[];
  await page.close();
  check(latencies.length > 0, `${consumer} showed no event`);
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50: sorted[Math.floor(sorted.length / 2)]!,
    p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!,
    busyMs,
    shown: latencies.length,
  };
}

const ALL_CASES = [
  { label: "1 view, 1,000 events/s", views: 1, keys: 1, rate: 1000 },
  { label: "1 view, 100 events/s", views: 1, keys: 1, rate: 100 },
  { label: "20 views on 5 keys, 1,000 events/s", views: 20, keys: 5, rate: 1000 },
];
// --quick only checks that the harness works: one case, one format, no warm-up.
const CASES = quick ? ALL_CASES.slice(2) : ALL_CASES;
const FORMATS = quick ? ["binary"] : ["json", "binary"];
const samples = new Map<string, Run[]>();
for (let r = quick ? 1 : 0; r < ROUNDS + 1; r++) {
  for (const c of CASES)
    for (const format of FORMATS)
      for (const consumer of ["ours", "raw"]) {
        const result = await run(consumer, format, c.views, c.keys, c.rate);
        const key = `${c.label}|${format}|${consumer}`;
        if (r > 0) samples.set(key, [...(samples.get(key) ?? []), result]);
      }
}
await browser.close();
await server.close();

const m = (key: string, pick: (r: Run) => number) => median(samples.get(key)!.map(pick));
const figures: Figure[] = [];
const bars: { label: string; value: number }[] = [];
for (const c of CASES)
  for (const format of FORMATS) {
    const ours = `${c.label}|${format}|ours`;
    const raw = `${c.label}|${format}|raw`;
    const limit = c.views > 1 ? 1.1 : 1.05;
    const name = `${c.label}, ${format}`;
    figures.push(
      figure(
        `p50 latency, ${name}`,
        m(ours, (r) => r.p50),
        "ms",
        { name: "raw connect-web", value: m(raw, (r) => r.p50) },
        { ratioAtMost: limit },
      ),
      figure(
        `p99 latency, ${name}`,
        m(ours, (r) => r.p99),
        "ms",
        { name: "raw connect-web", value: m(raw, (r) => r.p99) },
        { ratioAtMost: limit },
      ),
      figure(
        `main-thread busy, ${name}`,
        m(ours, (r) => r.busyMs),
        "ms",
        { name: "raw connect-web", value: m(raw, (r) => r.busyMs) },
        { ratioAtMost: 1 },
      ),
    );
    bars.push(
      { label: `ours p50, ${name}`, value: m(ours, (r) => r.p50) },
      { label: `raw p50, ${name}`, value: m(raw, (r) => r.p50) },
    );
  }
const charts: Chart[] = [
  {
    kind: "bar",
    file: "browser-latency",
    title: "Publish → DOM commit, p50 (ms) in Chromium",
    unit: "ms",
    bars,
  },
];
emit({
  group: "browser",
  title: "In Chromium: publish → DOM latency",
  setup: `Debian Chromium (headless) via playwright-core, the package's server on 127.0.0.1 (HTTP/1.1, same origin), ${ROWS} rows per key, ${SECONDS} s of publishing per page load, one page load per case, cases interleaved, medians of ${ROUNDS} rounds after a warm-up. Latency is wall time (publish in Node → MutationObserver in the page, both on the system clock); busy time is Chromium's TaskDuration for the page during publishing.`,
  figures,
  charts,
});
process.exit(0);
