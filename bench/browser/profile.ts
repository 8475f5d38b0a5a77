/**
 * Where the page's main thread spends its time (issue 10, diagnosis; not part of
 * `npm run bench`): runs one consumer of the latency page (bench/browser/page.tsx) per source
 * tree, unminified, under Chromium's sampling profiler (CDP Profiler, 50 µs) over the measured
 * window, and prints self time by module (from esbuild's `// path` comments in the bundle) and
 * the top functions.
 *
 *   node --import tsx bench/browser/profile.ts [consumer] [rate] [burst] [name=/tree …]
 */
import type { Browser, CDPSession } from "playwright-core";
import { bundles, launch, runPage, startServer } from "./harness.js";

const [consumer = "ours", rate = "1000", burst = "1", ...variantArgs] = process.argv.slice(2);
const root = new URL("../..", import.meta.url).pathname;
const trees: Record<string, string> = { main: root };
for (const arg of variantArgs) {
  const [name, tree] = arg.split("=");
  if (name && tree) trees[name] = tree;
}
const scripts = await bundles(trees, false);
const server = await startServer(scripts);
const browser: Browser = await launch();

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** The bundle's module boundaries: esbuild writes `// path` before each module's code. */
function modulesOf(script: string): { line: number; name: string }[] {
  const out: { line: number; name: string }[] = [];
  script.split("\n").forEach((text, line) => {
    const m = text.match(/^\/\/ (\S+\.(?:ts|tsx|js|mjs|cjs))$/);
    if (m) out.push({ line, name: group(m[1]!) });
  });
  return out;
}
function group(path: string): string {
  const pkg = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1]!;
  return path.replace(/^.*?(src|bench)\//, "$1/");
}
function moduleAt(modules: { line: number; name: string }[], line: number): string {
  let lo = 0;
  let hi = modules.length - 1;
  let found = "(bundle prelude)";
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (modules[mid]!.line <= line) {
      found = modules[mid]!.name;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

for (const variant of Object.keys(trees)) {
  const modules = modulesOf(scripts.get(variant)!);
  let profile: Profile | undefined;
  const run = await runPage(
    browser,
    server.url,
    {
      consumer: consumer as "ours",
      variant,
      format: "json",
      views: 1,
      keys: 1,
      rate: Number(rate),
      burst: Number(burst),
      warmSeconds: 1,
      seconds: 4,
    },
    {
      async start(cdp: CDPSession) {
        await cdp.send("Profiler.enable");
        await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
        await cdp.send("Profiler.start");
      },
      async stop(cdp: CDPSession) {
        profile = (await cdp.send("Profiler.stop")).profile as unknown as Profile;
      },
    },
  );
  const byId = new Map(profile!.nodes.map((n) => [n.id, n]));
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  profile!.samples.forEach((id, i) => {
    const us = profile!.timeDeltas[i + 1] ?? 0;
    const node = byId.get(id)!;
    const f = node.callFrame;
    const where = f.url.includes("/page-")
      ? moduleAt(modules, f.lineNumber)
      : f.url
        ? "(other script)"
        : f.functionName || "(native)";
    if (where === "(idle)") return;
    total += us;
    byModule.set(where, (byModule.get(where) ?? 0) + us);
    const fn = `${f.functionName || "(anonymous)"} [${where}]`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  });
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `    ${(v / 1000).toFixed(1).padStart(8)} ms  ${k}`)
      .join("\n");
  const sorted = [...run.latencies].sort((a, b) => a - b);
  console.log(
    `\n== ${consumer}@${variant}, ${rate}/s, burst ${burst}: ${run.published} events, p50 ${sorted[sorted.length >> 1]?.toFixed(2)} ms, busy ${run.busyMs.toFixed(0)} ms, non-idle samples ${(total / 1000).toFixed(0)} ms, renders ${run.renders}`,
  );
  console.log(`  self time by module:\n${top(byModule, 18)}`);
  console.log(`  top functions:\n${top(byFunction, 25)}`);
}
await browser.close();
await server.close();
process.exit(0);
