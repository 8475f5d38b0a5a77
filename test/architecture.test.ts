import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

/** STYLE.md: an acyclic import graph, `gen → core → (react, tanstack)`, `server` beside `core`. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "pb" ? [] : files(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

const graph = new Map<string, string[]>();
for (const file of files(root)) {
  const source = readFileSync(file, "utf8");
  const targets = [
    ...source.matchAll(/(?:import|export)(?:[^"';]*?from)?\s*["'](\.[^"']+)["']/g),
  ].map((m) =>
    relative(root, resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts"))).replace(/\.ts$/, ""),
  );
  graph.set(relative(root, file).replace(/\.tsx?$/, ""), targets);
}
const layer = (module: string) => module.split("/")[0]!;

describe("architecture", () => {
  test("the import graph of src/ has no cycle", () => {
    const state = new Map<string, "visiting" | "done">();
    const cycles: string[] = [];
    const visit = (node: string, path: string[]) => {
      if (state.get(node) === "done") return;
      if (state.get(node) === "visiting") {
        cycles.push([...path.slice(path.indexOf(node)), node].join(" → "));
        return;
      }
      state.set(node, "visiting");
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, "done");
    };
    for (const node of graph.keys()) visit(node, []);
    expect(graph.size).toBeGreaterThan(20);
    expect(cycles).toEqual([]);
  });

  test("layers only import downwards", () => {
    const allowed: Record<string, string[]> = {
      gen: ["gen"],
      core: ["gen", "core"],
      server: ["gen", "server"],
      node: ["gen", "core", "server", "node"],
      react: ["gen", "core", "react"],
      tanstack: ["gen", "core", "react", "tanstack"],
      testing: ["gen", "core", "server", "react", "testing"],
      devtools: ["gen", "core", "react", "devtools"],
    };
    const violations = [...graph].flatMap(([from, targets]) =>
      targets
        .filter((to) => !allowed[layer(from)]?.includes(layer(to)))
        .map((to) => `${from} → ${to}`),
    );
    expect(violations).toEqual([]);
  });
});
