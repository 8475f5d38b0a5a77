/**
 * `react-submatview/testing` stays framework-neutral (SPEC T1): no test runner, Testing Library
 * or Storybook at runtime, no Node built-ins and no Node-only server code (src/node).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const dir = fileURLToPath(new URL("../../src/testing/", import.meta.url));
const sources = readdirSync(dir).map((name) => ({
  name,
  text: readFileSync(join(dir, name), "utf8"),
}));
// Runtime imports only: `import type` and `export type` vanish from the build.
const runtimeImports = (text: string) =>
  [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]);

describe("testing entry boundaries (SPEC T1)", () => {
  test("imports no test runner, Testing Library, Storybook, Node built-in or src/node", () => {
    const forbidden =
      /^(vitest|jest|@jest\/|@testing-library\/|storybook|@storybook\/|node:|\.\.\/node\/)/;
    const offending = sources.flatMap(({ name, text }) =>
      runtimeImports(text)
        .filter((spec) => spec !== undefined && forbidden.test(spec))
        .map((spec) => `${name} → ${spec}`),
    );
    expect(sources.length).toBeGreaterThan(5);
    expect(offending).toEqual([]);
  });

  test("every export of the entry is documented (STYLE 11)", () => {
    const undocumented = sources.flatMap(({ name, text }) =>
      [
        ...text.matchAll(
          /(^|\n)(?!\s*\*)([^\n]*)\n(export (?:function|class|const|interface|type) (\w+))/g,
        ),
      ]
        .filter((m) => !m[2]?.trim().endsWith("*/") && !m[2]?.trim().startsWith("//"))
        .map((m) => `${name}: ${m[4]}`),
    );
    expect(undocumented).toEqual([]);
  });
});
