// Review of 363aab2 / f3b6a51 (SPEC R4, H1): the hook's idleTtlMs is clamped to setTimeout's
// range since f3b6a51, the registry's own idleTtlMs (the provider prop) is not: FAILS at HEAD,
// left uncommitted for the owner of src/core/registry-entries.ts.
import { act, cleanup, render } from "@testing-library/react";
import { MaterializerRegistry, serviceHealthRequest, useMaterializedView } from "react-submatview";
import { afterEach, describe, expect, test, vi } from "vitest";
import { ev, PushableClient, type PushableStream } from "../support/pushable-client.js";
import { withRegistry } from "../support/render.js";

const registries: MaterializerRegistry[] = [];
afterEach(() => {
  vi.useRealTimers();
  cleanup();
  for (const r of registries.splice(0)) r.dispose();
});

const web = serviceHealthRequest({ service: "web" });
const nextTask = () => act(() => new Promise<void>((resolve) => setImmediate(resolve)));
async function snapshot(stream: PushableStream, index: bigint, id: string) {
  stream.push(ev.register(index, "n1", id), ev.end(index));
  await stream.drained();
  await nextTask();
}

describe("SPEC R4, H1: a long idle TTL on the provider's registry", () => {
  test("registry idleTtlMs Infinity keeps the stream after the last component leaves, not 1 ms", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const client = new PushableClient();
    const registry = new MaterializerRegistry({
      client,
      idleTtlMs: Number.POSITIVE_INFINITY,
    });
    registries.push(registry);
    function Plain() {
      useMaterializedView(web);
      return null;
    }
    const view = render(withRegistry(registry, <Plain />));
    const stream = await client.next();
    await snapshot(stream, 2n, "web-1");
    view.unmount();
    vi.advanceTimersByTime(5 * 60_000);
    expect(stream.aborted).toBe(false);
    expect(registry.stats().entries).toBe(1);
  });
});
