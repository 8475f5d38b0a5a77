// What an app ships (issue 10; SPEC E devtools, R1): an app that imports the provider and the
// hook (and a request builder and connect-web) bundles none of the registry's inspection — it
// lives in `react-submatview/devtools`, which builds snapshots on the registry's small hook.

import { describe, expect, test } from "vitest";
import { measure, PEERS, REACT } from "../../bench/lib/bundle-size.js";

const ROOT = "./src/react/index.ts";
const HOOK = `export { MaterializerProvider, useMaterializedView } from "${ROOT}";`;
const APP = `export { MaterializerProvider, useMaterializedView, serviceHealthRequest } from "${ROOT}";
export { createConnectTransport } from "@connectrpc/connect-web";`;
/** Modules that only inspection needs. */
const INSPECTION = /src\/devtools\/|registry-snapshot|registry-inspection|entry-description/;

/** Our modules that put bytes in the bundle of `contents`. */
async function shipped(contents: string, external: readonly string[]): Promise<string[]> {
  const { inputs } = await measure(contents, external);
  return Object.entries(inputs)
    .filter(([path, input]) => path.startsWith("src/") && input.bytesInOutput > 0)
    .map(([path]) => path);
}

describe("the root entry ships no inspection (issue 10, SPEC E devtools)", () => {
  test("MaterializerProvider + useMaterializedView: no snapshot code, no SHA-256", async () => {
    const modules = await shipped(HOOK, PEERS);
    expect(modules).toContain("src/core/materializer-registry.ts");
    expect(modules.filter((path) => INSPECTION.test(path))).toEqual([]);
    expect(modules).not.toContain("src/core/token-hash.ts");
  }, 30_000);

  test("the realistic app import (+ serviceHealthRequest, connect-web): no snapshot code", async () => {
    const modules = await shipped(APP, REACT);
    expect(modules).toContain("src/core/requests.ts");
    expect(modules.filter((path) => INSPECTION.test(path))).toEqual([]);
  }, 30_000);

  test("/devtools carries it: inspectRegistry and the inspector, but not the registry itself", async () => {
    const modules = await shipped(`export * from "./src/devtools/index.ts";`, PEERS);
    expect(modules).toContain("src/devtools/registry-inspection.ts");
    expect(modules).toContain("src/devtools/entry-description.ts");
    // The hook's key lives in a module of its own: importing it must not keep the registry
    // class (and the materializer behind it) in a devtools-only bundle.
    expect(modules).not.toContain("src/core/materializer-registry.ts");
    expect(modules).not.toContain("src/core/materializer.ts");
  }, 30_000);
});
