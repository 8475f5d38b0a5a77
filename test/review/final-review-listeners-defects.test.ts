/**
 * Final review of f15f0ce (copy-on-write listeners), SPEC M9: `Listeners` keyed subscriptions by
 * function (a Set), so an unsubscribe was not tied to the subscription that returned it. Both
 * cases failed before each subscription became its own entry.
 */
import { describe, expect, test } from "vitest";
import { Listeners } from "../../src/core/listeners.js";

describe("SPEC M9: each subscribe's unsubscribe ends that subscription only (defects)", () => {
  test("M9: an unsubscribe called a second time does not cancel a later subscription of the same function", () => {
    const listeners = new Listeners();
    let calls = 0;
    const listener = () => calls++;
    const first = listeners.subscribe(listener);
    first();
    listeners.subscribe(listener);
    // A stale unsubscribe (e.g. a cleanup run twice) must be a no-op.
    first();
    listeners.notify();
    expect(calls).toBe(1);
  });

  test("M9: the same function subscribed twice stays subscribed until both unsubscribes ran", () => {
    const listeners = new Listeners();
    let calls = 0;
    const listener = () => calls++;
    const first = listeners.subscribe(listener);
    const second = listeners.subscribe(listener);
    first();
    listeners.notify();
    expect(calls).toBeGreaterThan(0);
    second();
  });
});
