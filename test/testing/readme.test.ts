/**
 * README "Testing your components" and "Previewing in Storybook" (issue 8 item 6): every code
 * block is found verbatim in a file the suite compiles and runs (the example's tests, stories,
 * fixtures, and the Storybook preview its story test loads), so the docs cannot rot.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const readme = read("README.md");
const sources = [
  "examples/service-health-card/ServiceHealthCard.test.tsx",
  "examples/service-health-card/ServiceHealthCard.stories.tsx",
  "examples/service-health-card/fixtures.ts",
  ".storybook/preview.ts",
].map((path) => ({ path, text: read(path) }));

function blocks(section: string): string[] {
  const start = readme.indexOf(`\n## ${section}\n`);
  expect(start, `README has a "## ${section}" section`).toBeGreaterThan(0);
  const end = readme.indexOf("\n## ", start + 1);
  const body = readme.slice(start, end < 0 ? undefined : end);
  return [...body.matchAll(/```tsx\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
}

describe("README code is the example's code", () => {
  for (const section of ["Testing your components", "Previewing in Storybook"]) {
    test(section, () => {
      const found = blocks(section);
      expect(found.length).toBeGreaterThan(0);
      for (const code of found) {
        const home = sources.find((s) => s.text.includes(code));
        expect(home, `README block not found verbatim in the example:\n${code}`).toBeDefined();
      }
    });
  }
});
