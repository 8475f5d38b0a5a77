/**
 * README "Deploying" (issue 11 item 5): its code block is found verbatim in a fixture the suite
 * type-checks, and the options it names are the CLI's, so the docs cannot rot.
 */
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { USAGE } from "../../src/node/relay-cli.js";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const readme = read("README.md");
const start = readme.indexOf("\n## Deploying\n");
// Up to the next heading: later subsections (the Redis source) have their own checks.
const section = readme.slice(start, readme.slice(start + 1).search(/\n##+ /) + start + 1);

test("the Deploying section's code is the type-checked fixture's", () => {
  expect(start).toBeGreaterThan(0);
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  expect(blocks.length).toBe(1);
  expect(read("test/relay/fixtures/deploying.ts")).toContain(blocks[0]);
});

test("every flag the Deploying section passes to the CLI is in its usage", () => {
  const flags = [...section.matchAll(/ (--[a-z-]+)/g)].map((m) => m[1]!);
  expect(flags.length).toBeGreaterThan(5);
  for (const flag of flags) expect(USAGE).toContain(flag);
});
