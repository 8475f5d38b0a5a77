/**
 * Final review of 4e9ebe9 (idle TTLs past 2^31 - 1 ms waited out in steps, Infinity arms no
 * timer): dispose and acquire during a later step, and terminal entries under an Infinity TTL
 * (SPEC R4, R5, R6). The timers clamp an oversized delay to 1 ms, as the platform does.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { MaterializerRegistry, serviceHealthRequest } from "react-submatview/core";
import { afterEach, describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient } from "../support/pushable-client.js";

const MAX = 2 ** 31 - 1;
const DAY = 24 * 60 * 60 * 1000;

class PlatformTimers extends ManualTimers {
  override setTimeout(callback: () => void, ms: number): unknown {
    return super.setTimeout(callback, ms > MAX || !Number.isFinite(ms) ? 1 : ms);
  }
}

let registry: MaterializerRegistry | undefined;
afterEach(() => {
  registry?.dispose();
  registry = undefined;
});

/**
 * Resolves once `materializer` has published a failed state and the microtasks behind it (the
 * registry's run().then) have run: one macrotask hop. Fails after 2 s instead of hanging.
 */
function failed(materializer: {
  subscribe(l: () => void): () => void;
  getSnapshot(): { status: string };
}) {
  const published = new Promise<void>((resolve) => {
    const stop = materializer.subscribe(() => {
      if (materializer.getSnapshot().status !== "failed") return;
      stop();
      resolve();
    });
  });
  const deadline = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error("no failed state within 2 s")), 2_000).unref(),
  );
  return Promise.race([published, deadline]).then(() => new Promise((r) => setImmediate(r)));
}

async function setUp(idleTtlMs: number) {
  const client = new PushableClient();
  const timers = new PlatformTimers();
  registry = new MaterializerRegistry({ client, timers, idleTtlMs, logger: { warn: () => {} } });
  const request = serviceHealthRequest({ service: "final-review-ttl" });
  const lease = registry.acquire(request);
  const stream = await client.next();
  return { client, timers, registry, request, lease, stream };
}

describe("SPEC R4, R6: a 30-day TTL in its second step", () => {
  test("R6: dispose() during the second step leaves no timer, no entry and an aborted stream", async () => {
    const { timers, registry: r, lease, stream } = await setUp(30 * DAY);
    lease.release();
    timers.advance(MAX); // the first step ran out; the second is armed
    expect(r.stats().entries).toBe(1);
    expect(timers.pending).toBe(1);
    r.dispose();
    expect(timers.pending).toBe(0);
    expect(r.stats().entries).toBe(0);
    expect(stream.aborted).toBe(true);
    timers.advance(60 * DAY); // nothing left to fire
    expect(r.stats().entries).toBe(0);
  });

  test("R4: an acquire during the second step cancels the eviction and reuses the live stream", async () => {
    const { client, timers, registry: r, request, lease, stream } = await setUp(30 * DAY);
    lease.release();
    timers.advance(MAX);
    const again = r.acquire(request);
    expect(again.materializer).toBe(lease.materializer);
    expect(timers.pending).toBe(0);
    timers.advance(60 * DAY);
    expect(r.stats().entries).toBe(1);
    expect(stream.aborted).toBe(false);
    expect(client.streams).toHaveLength(1);
    // Released again: a full 30 days from now, not what was left of the old countdown.
    again.release();
    // ManualTimers arms a step's successor at the end of its advance: step to each timer exactly.
    timers.advance(MAX);
    expect(r.stats().entries).toBe(1);
    timers.advance(30 * DAY - MAX - 1);
    expect(r.stats().entries).toBe(1);
    timers.advance(1);
    expect(r.stats().entries).toBe(0);
    expect(stream.aborted).toBe(true);
    expect(timers.pending).toBe(0);
  });
});

describe("SPEC R5: a terminal entry under an Infinity TTL", () => {
  const denied = () => new ConnectError("ACL not found", Code.PermissionDenied);

  test("R5: stopped while held, it is evicted when the count reaches 0 (Infinity does not keep it)", async () => {
    const { client, registry: r, request, lease, stream } = await setUp(Number.POSITIVE_INFINITY);
    stream.push(ev.register(1n, "n1", "web-1"), ev.end(1n));
    await stream.drained();
    const done = failed(lease.materializer);
    stream.fail(denied());
    await done;
    expect(lease.materializer.stopped).toBe(true);
    expect(r.stats().entries).toBe(1); // still held: it keeps its error for the holder
    lease.release();
    expect(r.stats().entries).toBe(0);
    const fresh = r.acquire(request);
    expect(fresh.materializer).not.toBe(lease.materializer);
    await client.next();
    fresh.release();
  });

  test("R5: idle with no timer (Infinity), then stopped by a terminal error, it is evicted at once", async () => {
    const { registry: r, lease, stream } = await setUp(Number.POSITIVE_INFINITY);
    lease.release();
    expect(r.stats().entries).toBe(1);
    const done = failed(lease.materializer);
    stream.fail(denied());
    await done;
    expect(r.stats().entries).toBe(0);
  });
});
