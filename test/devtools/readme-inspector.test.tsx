// README "Inspector" (issue 9 items 2, 6): every code block of the section is found verbatim in
// readme-inspector.fixture.tsx, which this test renders against a real publisher (the testing
// kit's datacenter), so the docs cannot rot.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup, render, screen, within } from "@testing-library/react";
import { MaterializerProvider, MaterializerRegistry, serviceListRequest } from "react-submatview";
import { RegistryInspector } from "react-submatview/devtools";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import {
  App,
  DebugApp,
  dc,
  LiveViews,
  transport,
  watchLiveCount,
} from "./readme-inspector.fixture.js";

afterEach(cleanup);
afterAll(() => dc.dispose());

test("the README's inspector renders every entry live", async () => {
  render(
    <MaterializerProvider transport={transport}>
      <App />
      <LiveViews />
      <RegistryInspector />
    </MaterializerProvider>,
  );
  await screen.findByText("2 live views", undefined, { timeout: 5_000 });
  const region = screen.getByRole("region", { name: "Registry inspector" });
  const rows = region.querySelectorAll("tbody tr");
  expect(Array.from(rows, (row) => row.getAttribute("data-subject"))).toEqual(["service-00", "*"]);
  expect(within(region).getAllByText("live")).toHaveLength(2);
  cleanup();
  render(<DebugApp />);
  await screen.findByText(/\d+ of 2/, undefined, { timeout: 5_000 });
  expect(screen.getByRole("region", { name: "Registry inspector" })).toBeTruthy();
});

test("the README's migration from registry.inspect(): inspectRegistry outside React", async () => {
  const registry = new MaterializerRegistry({ transport });
  try {
    const live = new Promise<number>((resolve) => {
      const stop = watchLiveCount(registry, (count) => {
        if (count === 0) return;
        stop();
        resolve(count);
      });
    });
    const lease = registry.acquire(serviceListRequest());
    expect(await live).toBe(1);
    lease.release();
  } finally {
    registry.dispose();
  }
});

describe("README code is the fixture's code", () => {
  test("Inspector", () => {
    // From the project root (vitest's cwd): jsdom's import.meta.url is not a file URL.
    const read = (path: string) => readFileSync(join(process.cwd(), path), "utf8");
    const readme = read("README.md");
    const self = read("test/devtools/readme-inspector.fixture.tsx");
    const start = readme.indexOf("\n## Inspector\n");
    expect(start, 'README has a "## Inspector" section').toBeGreaterThan(0);
    const end = readme.indexOf("\n## ", start + 1);
    const blocks = [...readme.slice(start, end).matchAll(/```tsx\n([\s\S]*?)```/g)].map(
      (m) => m[1] ?? "",
    );
    expect(blocks.length).toBeGreaterThan(1);
    for (const code of blocks) {
      // Imports are merged at the top of this file: each name must be imported from its module.
      for (const [, names, from] of code.matchAll(/^import \{ (.*) \} from "(.*)";$/gm)) {
        for (const name of names!.split(", ")) {
          expect(self).toMatch(new RegExp(`import \\{[^}]*\\b${name}\\b[^}]*\\} from "${from}"`));
        }
      }
      const body = code.replace(/^import .*\n/gm, "").trim();
      expect(self, `README block not found verbatim in the fixture:\n${body}`).toContain(body);
    }
  });
});
