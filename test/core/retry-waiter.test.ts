import { RetryWaiter } from "react-submatview/core";
import { describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { isPending } from "../support/materializer.js";

describe("SPEC M7: RetryWaiter", () => {
  test("with random = 0: failure 1 at once, then min(200 ms · 2^(k-2), 60 s)", () => {
    const waiter = new RetryWaiter({ random: () => 0 });
    expect([1, 2, 3, 4, 5, 6, 10, 11, 12, 40].map((k) => waiter.delay(k))).toEqual([
      0, 200, 400, 800, 1_600, 3_200, 51_200, 60_000, 60_000, 60_000,
    ]);
  });

  test("with random → 1: the jitter adds up to 100 % of the base", () => {
    const waiter = new RetryWaiter({ random: () => 0.999_999_999 });
    expect([1, 2, 3, 11, 30].map((k) => waiter.delay(k))).toEqual([0, 399, 799, 119_999, 119_999]);
  });

  test("wait() counts failures and waits the delay on injected timers; reset() starts over", async () => {
    const timers = new ManualTimers();
    const waiter = new RetryWaiter({ random: () => 0, timers });
    const signal = new AbortController().signal;
    await waiter.wait(signal);
    expect(waiter.failures).toBe(1);
    expect(timers.pending).toBe(0);
    const second = waiter.wait(signal);
    expect(timers.pending).toBe(1);
    timers.advance(199);
    expect(await isPending(second)).toBe(true);
    timers.advance(1);
    await second;
    expect(waiter.failures).toBe(2);
    waiter.reset();
    expect(waiter.failures).toBe(0);
    expect(waiter.delay(waiter.failures + 1)).toBe(0);
  });

  test("a wait ends early, rejecting with an AbortError, when the signal aborts", async () => {
    const timers = new ManualTimers();
    const waiter = new RetryWaiter({ random: () => 0, timers });
    const controller = new AbortController();
    await waiter.wait(controller.signal);
    const pending = waiter.wait(controller.signal);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(timers.pending).toBe(0);
  });
});
