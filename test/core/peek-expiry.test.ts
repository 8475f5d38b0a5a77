/** SPEC R4/H4: an entry created by peek() from a dehydrated snapshot follows the idle TTL. */
import {
  type DehydratedState,
  MaterializerRegistry,
  serviceHealthRequest,
} from "react-submatview/core";
import { afterEach, describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient } from "../support/pushable-client.js";

const TTL = 60_000;
const web = () => serviceHealthRequest({ service: "web" });
let registry: MaterializerRegistry | undefined;
afterEach(() => {
  registry?.dispose();
  registry = undefined;
});

/** A server render's dehydrated state: web at index 7 with web-1. */
async function serverRender(): Promise<DehydratedState> {
  const source = new PushableClient();
  const server = new MaterializerRegistry({ client: source, timers: new ManualTimers() });
  const pending = server.get(web());
  (await source.next()).push(ev.register(7n, "n1", "web-1"), ev.end(7n));
  await pending;
  const state = JSON.parse(JSON.stringify(server.dehydrate())) as DehydratedState;
  server.dispose();
  return state;
}

describe("SPEC R4: peek()-created entries expire like any idle entry", () => {
  test("a dehydrated entry peeked but never subscribed is dropped after the idle TTL", async () => {
    const client = new PushableClient();
    const timers = new ManualTimers();
    const dehydratedState = await serverRender();
    registry = new MaterializerRegistry({ client, timers, idleTtlMs: TTL, dehydratedState });
    expect(registry.peek(web())).toMatchObject({ index: 7n, status: "live" });
    expect(registry.stats()).toMatchObject({ entries: 1, refs: 0, openStreams: 0 });
    expect(timers.pending).toBe(1);
    timers.advance(TTL - 1);
    expect(registry.stats().entries).toBe(1);
    timers.advance(1);
    expect(registry.stats()).toMatchObject({ entries: 0, refs: 0 });
    expect(timers.pending).toBe(0);
    expect(client.streams).toHaveLength(0);
    // The seed was used once: a later peek has nothing to show, a subscribe starts afresh.
    expect(registry.peek(web())).toBeUndefined();
  });

  test("a peek followed by a subscribe within the TTL reuses the entry and resumes from the seed (SPEC H4)", async () => {
    const client = new PushableClient();
    const timers = new ManualTimers();
    const dehydratedState = await serverRender();
    registry = new MaterializerRegistry({ client, timers, idleTtlMs: TTL, dehydratedState });
    const seeded = registry.peek(web());
    timers.advance(TTL - 1);
    const lease = registry.acquire(web());
    expect(timers.pending).toBe(0);
    expect(lease.materializer.getSnapshot()).toBe(seeded);
    expect((await client.next()).request.Index).toBe(7n);
    timers.advance(TTL);
    expect(registry.stats()).toMatchObject({ entries: 1, refs: 1, openStreams: 1 });
    lease.release();
    expect(timers.pending).toBe(1);
  });
});
