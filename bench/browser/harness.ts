/**
 * The machinery of the Chromium latency benchmark (bench/browser.ts) and its profiler
 * (bench/browser/profile.ts): the page bundled once per source tree (the checked-out `src`,
 * or a scratch copy with a candidate change, so both run in the same browser and run), the
 * package's server on 127.0.0.1 with a Subscribe route fed by `publish`, and one page load per
 * measurement: warm up, then publish at a rate and collect the page's latencies and
 * Chromium's main-thread TaskDuration over the measured window only.
 */
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { build, type Plugin } from "esbuild";
import { type Browser, type CDPSession, chromium, type Page } from "playwright-core";
import {
  CatalogOp,
  type Event,
  EventSchema,
  StateChangeSubscription,
} from "../../src/gen/index.js";
import { serve } from "../../src/node/index.js";
import { EventPublisher } from "../../src/server/index.js";
import { endOfSnapshot } from "../lib/events.js";

export const CHROMIUM = "/usr/bin/chromium";
export const ROWS = 10;
const root = new URL("../..", import.meta.url).pathname;

/** Resolves the page's `../../src/…` imports in `tree` instead of this checkout. */
function sourceTree(tree: string): Plugin {
  return {
    name: "source-tree",
    setup(b) {
      b.onResolve({ filter: /^\.\.\/\.\.\/src\// }, (args) => {
        if (args.pluginData === "rerouted") return undefined;
        return b.resolve(args.path, {
          resolveDir: join(tree, "bench/browser"),
          kind: args.kind,
          pluginData: "rerouted",
        });
      });
    },
  };
}

/** The page's script per variant name; "main" is this checkout's src. */
export async function bundles(
  trees: Record<string, string>,
  minify = true,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [name, tree] of Object.entries(trees)) {
    const result = await build({
      entryPoints: [`${root}bench/browser/page.tsx`],
      bundle: true,
      minify,
      write: false,
      format: "esm",
      platform: "browser",
      // A scratch tree may have no tsconfig.json: JSX as this checkout compiles it.
      jsx: "automatic",
      define: { "process.env.NODE_ENV": '"production"' },
      plugins: tree === root || tree === root.replace(/\/$/, "") ? [] : [sourceTree(tree)],
      logLevel: "error",
    });
    out.set(name, result.outputFiles[0]!.text);
  }
  return out;
}

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

export async function startServer(scripts: Map<string, string>) {
  return serve({
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
    fallback: ((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const js = url.pathname.match(/^\/page-(\w+)\.js$/);
      if (js) {
        res.writeHead(200, { "content-type": "text/javascript" });
        res.end(scripts.get(js[1]!) ?? "");
        return;
      }
      const variant = url.searchParams.get("variant") ?? "main";
      res.writeHead(200, { "content-type": "text/html" });
      res.end(
        `<!doctype html><meta charset=utf-8><div id=root></div><script type=module src=/page-${variant}.js></script>`,
      );
    }) as Parameters<typeof serve>[0]["fallback"],
  });
}

/**
 * Publishes `rate` events per second over `keys` keys for `seconds`, `burst` at a time (back to
 * back in one task, so they reach the page in one read); returns how many, and the publish
 * times that ended a burst (the last of each publishing turn). Each
 * key's events walk all its rows in turn, so consecutive events of one key touch different
 * rows (a coalesced pair never hides one publish time behind another of the same row).
 */
export async function publish(
  rate: number,
  keys: number,
  seconds: number,
  burst = 1,
): Promise<{ sent: number; lastOfBurst: Set<string> }> {
  const start = performance.now();
  const end = start + seconds * 1000;
  let sent = 0;
  const lastOfBurst = new Set<string>();
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - start) * rate) / 1000 / burst) * burst;
    for (; sent < due; sent++) {
      index++;
      const key = `k${sent % keys}`;
      const row = (Math.floor(sent / keys) * 7) % ROWS;
      const t = String(performance.timeOrigin + performance.now());
      const event = health(index, key, row, t);
      for (const push of subscribers.get(key) ?? []) push(event);
      if (sent === due - 1) lastOfBurst.add(t);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return { sent, lastOfBurst };
}

export function launch(): Promise<Browser> {
  return chromium.launch({
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
}

export interface PageCase {
  consumer: "ours" | "raw" | "react";
  variant: string;
  format: string;
  views: number;
  keys: number;
  rate: number;
  /** Events published back to back at a time (default 1). */
  burst?: number;
  diag?: boolean;
  warmSeconds: number;
  seconds: number;
}

export interface PageRun {
  latencies: number[];
  /** Latencies of the last event of each publishing turn (a burst: when all of it shows). */
  burstLast: number[];
  inPage: number[];
  busyMs: number;
  published: number;
  /** Table renders over the measured window (0 for the raw DOM consumer). */
  renders: number;
}

/**
 * One page load: snapshot, `warmSeconds` of events that are not recorded (the JIT and the
 * first-event paths warm up), then `seconds` measured. `during` runs around the measured
 * window (the profiler starts and stops there).
 */
export async function runPage(
  browser: Browser,
  baseUrl: string,
  c: PageCase,
  during?: { start(cdp: CDPSession): Promise<void>; stop(cdp: CDPSession): Promise<void> },
): Promise<PageRun> {
  const page: Page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const q = new URLSearchParams({
    consumer: c.consumer,
    variant: c.variant,
    format: c.format,
    views: String(c.views),
    keys: String(c.keys),
    diag: c.diag ? "1" : "0",
  });
  await page.goto(`${baseUrl}/?${q}`);
  await page.waitForFunction("window.bench && window.bench.ready", undefined, { timeout: 30_000 });
  await publish(c.rate, c.keys, c.warmSeconds, c.burst);
  const task = async () =>
    ((await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration")
      ?.value ?? 0) * 1000;
  await page.evaluate(`window.bench.start(${performance.timeOrigin + performance.now()})`);
  await during?.start(cdp);
  const before = await task();
  const { sent: published, lastOfBurst } = await publish(c.rate, c.keys, c.seconds, c.burst);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const busyMs = (await task()) - before;
  await during?.stop(cdp);
  const shown = (await page.evaluate("window.bench.result()")) as {
    latencies: number[];
    shownTimes: string[];
    inPage: number[];
    renders: number;
  };
  await page.close();
  const burstLast = shown.latencies.filter((_, i) => lastOfBurst.has(shown.shownTimes[i]!));
  const { latencies, inPage, renders } = shown;
  return { latencies, burstLast, inPage, busyMs, published, renders };
}

export const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
};
