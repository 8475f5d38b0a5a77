/** SPEC R6: when a materializer stops or its registry is disposed, every waiter and timer goes. */
import { Code, ConnectError } from "@connectrpc/connect";
import {
  MaterializerClosedError,
  MaterializerRegistry,
  serviceHealthRequest,
} from "react-submatview/core";
import { afterEach, describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { startMaterializer } from "../support/materializer.js";
import { capture } from "../support/outcome.js";
import { ev, PushableClient } from "../support/pushable-client.js";

let cleanup: (() => unknown) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const closed = { error: expect.any(MaterializerClosedError) };

async function live() {
  const h = startMaterializer();
  cleanup = () => h.stop();
  const stream = await h.client.next();
  stream.push(ev.register(10n, "n1", "web-1"), ev.end(10n));
  await stream.drained();
  return { h, stream };
}

describe("SPEC R6: a stopped materializer settles its blocking fetches", () => {
  test("run's signal aborting rejects every waiting fetch with MaterializerClosedError and clears its timer", async () => {
    const { h } = await live();
    const forever = capture(h.materializer.fetch({ minIndex: 10n }));
    const timed = capture(h.materializer.fetch({ minIndex: 10n, timeoutMs: 60_000 }));
    expect(h.timers.pending).toBe(1);
    h.controller.abort();
    // Synchronously: no timer survives the abort.
    expect(h.timers.pending).toBe(0);
    await h.done;
    // Settled, not hanging: a regression fails here instead of timing out.
    expect(await forever()).toEqual(closed);
    expect(await timed()).toEqual(closed);
    // A blocking fetch after the stop rejects at once; a satisfiable one still answers.
    await expect(h.materializer.fetch({ minIndex: 10n })).rejects.toBeInstanceOf(
      MaterializerClosedError,
    );
    await expect(h.materializer.fetch({ minIndex: 9n })).resolves.toMatchObject({ index: 10n });
    expect(h.timers.pending).toBe(0);
  });

  test("a terminal error settles waiting fetches with the error (M6) and leaves no timer", async () => {
    const { h, stream } = await live();
    const forever = h.materializer.fetch({ minIndex: 10n });
    const timed = h.materializer.fetch({ minIndex: 10n, timeoutMs: 60_000 });
    const error = new ConnectError("denied", Code.PermissionDenied);
    stream.fail(error);
    await h.done;
    expect(h.timers.pending).toBe(0);
    await expect(forever).resolves.toMatchObject({ error, index: 10n });
    await expect(timed).resolves.toMatchObject({ error, index: 10n });
  });
});

describe("SPEC R6: dispose() settles blocking gets and clears every timer", () => {
  test("a blocking get with and without a timeout rejects with MaterializerClosedError; no timer remains", async () => {
    const client = new PushableClient();
    const timers = new ManualTimers();
    const registry = new MaterializerRegistry({ client, timers, idleTtlMs: 60_000 });
    cleanup = () => registry.dispose();
    const web = serviceHealthRequest({ service: "web" });
    const first = registry.get(web);
    (await client.next()).push(ev.end(1n));
    expect((await first).index).toBe(1n);
    const forever = capture(registry.get(web, { minIndex: 1n }));
    const timed = capture(registry.get(web, { minIndex: 1n, timeoutMs: 10_000 }));
    expect(timers.pending).toBe(1); // the fetch timeout (the idle expiry was cancelled)
    registry.dispose();
    expect(timers.pending).toBe(0);
    expect(await forever()).toEqual(closed);
    expect(await timed()).toEqual(closed);
    await expect(registry.get(web)).rejects.toBeInstanceOf(MaterializerClosedError);
    expect(timers.pending).toBe(0);
    expect(client.streams.every((s) => s.aborted)).toBe(true);
  });
});
