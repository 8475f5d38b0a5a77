// Review (SPEC R5, R6): a stopped entry that a new request replaced while someone still held it
// is accounted for (stats) and cleaned up when its holders let go, or by dispose().
import { Code, ConnectError } from "@connectrpc/connect";
import { MaterializerRegistry, serviceHealthRequest } from "react-submatview/core";
import { afterEach, describe, expect, test } from "vitest";
import { within } from "../react/tanstack-support.js";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient } from "../support/pushable-client.js";

let registry: MaterializerRegistry | undefined;
afterEach(() => {
  registry?.dispose();
  registry = undefined;
});

const web = () => serviceHealthRequest({ service: "web" });

function setup() {
  const client = new PushableClient();
  registry = new MaterializerRegistry({ client, timers: new ManualTimers(), idleTtlMs: 0 });
  return { client, registry };
}

/** Holds the entry through a notify subscription until it fails with PermissionDenied. */
async function failedHolder(client: PushableClient, registry: MaterializerRegistry) {
  const seen: string[] = [];
  const controller = new AbortController();
  const failed = new Promise<void>((resolve) =>
    registry.notify(
      web(),
      (state) => {
        seen.push(state.status);
        if (state.status === "failed") resolve();
      },
      { signal: controller.signal },
    ),
  );
  (await client.next()).fail(new ConnectError("denied", Code.PermissionDenied));
  await failed;
  return { controller, seen };
}

describe("SPEC R5: a new request never gets a stopped entry", () => {
  test("acquire while a holder keeps the failed entry opens a fresh stream; the holder keeps its error", async () => {
    const { client, registry } = setup();
    const holder = await failedHolder(client, registry);
    const fresh = registry.acquire(web());
    const second = await within(client.next(), "a fresh stream for the new request");
    expect(second.request.Index).toBe(0n);
    second.push(ev.register(3n, "n1", "web-1"), ev.end(3n));
    await expect(fresh.materializer.fetch()).resolves.toMatchObject({ index: 3n });
    expect(holder.seen).toEqual(["failed"]);
    // The holder's entry is still counted until it lets go, then nothing of it remains.
    expect(registry.stats()).toMatchObject({ entries: 1, refs: 2, listeners: 1 });
    holder.controller.abort();
    expect(registry.stats()).toMatchObject({ entries: 1, refs: 1, listeners: 0 });
    fresh.release();
  });

  test("dispose() also stops the holders of a replaced stopped entry (R6)", async () => {
    const { client, registry } = setup();
    await failedHolder(client, registry);
    registry.acquire(web());
    await within(client.next(), "a fresh stream for the new request");
    registry.dispose();
    expect(registry.stats()).toMatchObject({ entries: 0, refs: 0, listeners: 0, openStreams: 0 });
  });
});
