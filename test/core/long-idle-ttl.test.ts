/**
 * SPEC R4: an idle TTL longer than a timer can hold. Browsers and Node run a setTimeout whose
 * delay exceeds 2^31 - 1 ms after 1 ms, so a registry TTL of 30 days (or Infinity) closed the
 * stream at once. The timers here behave like the platform's in that respect.
 */
import { MaterializerRegistry, serviceHealthRequest } from "react-submatview/core";
import { afterEach, describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { PushableClient } from "../support/pushable-client.js";

const MAX = 2 ** 31 - 1;
const DAY = 24 * 60 * 60 * 1000;

/** ManualTimers that clamp an oversized delay to 1 ms, as setTimeout does. */
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

describe("SPEC R4: idle TTLs past 2^31 - 1 ms", () => {
  test("a 30-day TTL keeps the idle entry for 30 days, then evicts it", async () => {
    const client = new PushableClient();
    const timers = new PlatformTimers();
    registry = new MaterializerRegistry({ client, timers, idleTtlMs: 30 * DAY });
    const lease = registry.acquire(serviceHealthRequest({ service: "web" }));
    await client.next();
    lease.release();
    timers.advance(1);
    expect(registry.stats().entries).toBe(1);
    // ManualTimers runs a callback at the end of its advance: step to each timer exactly.
    timers.advance(MAX - 1);
    expect(registry.stats().entries).toBe(1);
    timers.advance(30 * DAY - MAX - 1);
    expect(registry.stats().entries).toBe(1);
    timers.advance(1);
    expect(registry.stats().entries).toBe(0);
    expect(timers.pending).toBe(0);
  });

  test("Infinity keeps the idle entry until dispose(), with no timer armed", async () => {
    const client = new PushableClient();
    const timers = new PlatformTimers();
    registry = new MaterializerRegistry({
      client,
      timers,
      idleTtlMs: Number.POSITIVE_INFINITY,
    });
    const lease = registry.acquire(serviceHealthRequest({ service: "web" }));
    await client.next();
    lease.release();
    timers.advance(365 * DAY);
    expect(registry.stats().entries).toBe(1);
    expect(timers.pending).toBe(0);
    registry.dispose();
    expect(registry.stats().entries).toBe(0);
  });
});
