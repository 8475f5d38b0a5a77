/**
 * Turns the groups' results into bench/results.json, bench/charts/*.svg and BENCHMARKS.md.
 * Hand-written analysis lives in bench/notes/<group>.md and bench/notes/intro.md / outro.md,
 * so regenerating the figures never loses it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Figure, GroupResult } from "./figures.js";
import { fmt, renderChart } from "./svg.js";

export interface Results {
  readonly generated: string;
  readonly environment: string;
  readonly groups: readonly Omit<GroupResult, "figures">[];
  /** One entry per figure, each naming its group. */
  readonly figures: readonly (Figure & { readonly group: string })[];
}

export function toResults(groups: readonly GroupResult[], environment: string): Results {
  return {
    generated: new Date().toISOString(),
    environment,
    groups: groups.map(({ figures: _, ...rest }) => rest),
    figures: groups.flatMap((g) => g.figures.map((f) => ({ group: g.group, ...f }))),
  };
}

export function fromResults(results: Results): GroupResult[] {
  return results.groups.map((g) => ({
    ...g,
    figures: results.figures.filter((f) => f.group === g.group).map(({ group: _, ...f }) => f),
  }));
}

const note = (dir: string, name: string) => {
  const path = join(dir, "notes", `${name}.md`);
  return existsSync(path) ? readFileSync(path, "utf8").trim() : "";
};

export function writeReport(root: string, results: Results): void {
  const bench = join(root, "bench");
  mkdirSync(join(bench, "charts"), { recursive: true });
  writeFileSync(join(bench, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  // In the repository's own JSON style, so `npm run lint` passes on a fresh run's output.
  spawnSync(
    join(root, "node_modules", ".bin", "biome"),
    ["format", "--write", "bench/results.json"],
    {
      cwd: root,
      stdio: "ignore",
    },
  );
  const md: string[] = ["# Benchmarks", ""];
  const intro = note(bench, "intro");
  if (intro) md.push(intro, "");
  md.push(
    `Last full run: ${results.generated.slice(0, 16).replace("T", " ")} UTC, ${results.environment}.`,
    "",
  );
  const summary = results.figures.filter((f) => f.target !== null);
  md.push(
    "## Targets at a glance",
    "",
    "| group | figure | measured | target | holds |",
    "|---|---|---:|---|:-:|",
    ...summary.map(
      (f) =>
        `| ${f.group} | ${f.name} | ${f.ratio !== null && f.target?.startsWith("ratio") ? `${fmt(f.ratio)}×` : `${fmt(f.value)} ${f.unit}`} | ${f.target} | ${f.pass ? "yes" : "**no**"} |`,
    ),
    "",
  );
  for (const group of fromResults(results)) {
    md.push(`## ${group.title}`, "", group.setup, "");
    for (const chart of group.charts) {
      writeFileSync(join(bench, "charts", `${chart.file}.svg`), `${renderChart(chart)}\n`);
      md.push(`![${chart.title}](bench/charts/${chart.file}.svg)`, "");
    }
    md.push(
      "| figure | value | baseline | ratio | target |",
      "|---|---:|---|---:|---|",
      ...group.figures.map(
        (f) =>
          `| ${f.name} | ${fmt(f.value)} ${f.unit} | ${f.baseline ? `${f.baseline.name} (${fmt(f.baseline.value)})` : ""} | ${f.ratio !== null ? `${fmt(f.ratio)}×` : ""} | ${f.target ? `${f.target} ${f.pass ? "✓" : "✗"}` : ""} |`,
      ),
      "",
    );
    const text = note(bench, group.group);
    if (text) md.push(text, "");
  }
  const outro = note(bench, "outro");
  if (outro) md.push(outro, "");
  writeFileSync(join(root, "BENCHMARKS.md"), md.join("\n"));
}
