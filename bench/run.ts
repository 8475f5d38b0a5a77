/**
 * `npm run bench [-- --quick] [group…]`: runs each benchmark group in its own Node process
 * (--expose-gc, production React), then writes bench/results.json, the SVG charts and
 * BENCHMARKS.md. `--quick` (CI) runs small sizes and one round, prints the figures and writes
 * nothing; it fails only when a benchmark breaks (throws or checks a wrong result), never on a
 * figure that misses its target. Naming groups reruns just those and keeps the others' results;
 * `--report` only re-renders BENCHMARKS.md and the charts from bench/results.json (after
 * editing bench/notes/).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GroupResult } from "./lib/figures.js";
import { fromResults, type Results, toResults, writeReport } from "./lib/report.js";
import { fmt } from "./lib/svg.js";

const GROUPS = [
  "bundle",
  "core",
  "memory",
  "react",
  "renders",
  "sharing",
  "tanstack-db",
  "browser",
  "relay",
] as const;

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const write = !quick || args.includes("--write");
const only = args.filter((a) => !a.startsWith("--"));
for (const name of only)
  if (!(GROUPS as readonly string[]).includes(name))
    throw new Error(`unknown benchmark group "${name}" (groups: ${GROUPS.join(", ")})`);
const selected = only.length > 0 ? only : [...GROUPS];

if (args.includes("--report")) {
  const path = join(root, "bench", "results.json");
  writeReport(root, JSON.parse(readFileSync(path, "utf8")) as Results);
  console.log("re-rendered BENCHMARKS.md and bench/charts/*.svg from bench/results.json");
  process.exit(0);
}

const scratch = mkdtempSync(join(tmpdir(), "bench-"));
const results: GroupResult[] = [];
const broken: string[] = [];
for (const group of selected) {
  const started = Date.now();
  const file = ["react", "renders", "sharing"].includes(group) ? `${group}.tsx` : `${group}.ts`;
  const out = join(scratch, `${group}.json`);
  const run = spawnSync(
    process.execPath,
    ["--expose-gc", "--import", "tsx", join(root, "bench", file), out],
    {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, NODE_ENV: "production", BENCH_QUICK: quick ? "1" : "0" },
      timeout: (quick ? 5 : 40) * 60_000,
    },
  );
  if (run.status !== 0 || !existsSync(out)) {
    broken.push(group);
    console.error(`✗ ${group}: exit ${run.status ?? run.signal}`);
    continue;
  }
  const result = JSON.parse(readFileSync(out, "utf8")) as GroupResult;
  results.push(result);
  console.log(`\n== ${result.title} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  for (const f of result.figures) {
    const ratio = f.ratio !== null ? `  ${fmt(f.ratio)}× ${f.baseline?.name}` : "";
    const target = f.target ? `  [${f.target}: ${f.pass ? "holds" : "misses"}]` : "";
    console.log(`  ${f.name}: ${fmt(f.value)} ${f.unit}${ratio}${target}`);
  }
}

if (write && broken.length === 0) {
  const environment = `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? "CPU"}`;
  const path = join(root, "bench", "results.json");
  // Rerunning some groups keeps the others' last figures.
  const previous =
    only.length > 0 && existsSync(path)
      ? fromResults(JSON.parse(readFileSync(path, "utf8")) as Results)
      : [];
  const merged = GROUPS.flatMap((name) => {
    const fresh = results.find((r) => r.group === name);
    return fresh ? [fresh] : previous.filter((r) => r.group === name);
  });
  writeReport(root, toResults(merged, environment));
  console.log("\nwrote bench/results.json, bench/charts/*.svg and BENCHMARKS.md");
}
if (broken.length > 0) {
  console.error(`\nbroken benchmarks: ${broken.join(", ")}`);
  process.exit(1);
}
