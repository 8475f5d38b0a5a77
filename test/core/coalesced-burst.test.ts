/**
 * The coalescing behind the hook, `notify` and the TanStack adapter (SPEC H5, R3): a burst —
 * notifications a few microtask turns apart, as a stream hands over its buffered messages — is
 * delivered once, and in the task that read it (issue 10: a hop to another task was most of
 * our extra publish → DOM latency in Chromium).
 */
import { expect, test } from "vitest";
import { Listeners } from "../../src/core/listeners.js";
import { subscribeCoalesced } from "../../src/core/schedule-task.js";

/** `n` values, each a few microtask turns after the last (an async generator's hand-over). */
async function* buffered(n: number) {
  for (let i = 0; i < n; i++) {
    await null;
    yield i;
  }
}

/** Runs `turns` microtask turns: still the same task, no macrotask in between. */
async function turns(count: number) {
  for (let i = 0; i < count; i++) await null;
}

test("SPEC H5, R3: a 1,000-notification burst is delivered once, in the task that read it", async () => {
  const listeners = new Listeners();
  let calls = 0;
  let macrotask = false;
  setTimeout(() => {
    macrotask = true;
  }, 0);
  const stop = subscribeCoalesced(listeners.subscribe, () => {
    calls++;
    // Delivered before any other task ran.
    expect(macrotask).toBe(false);
  });
  for await (const _ of buffered(1_000)) listeners.notify();
  expect(calls).toBe(0);
  await turns(100);
  expect(calls).toBe(1);
  expect(macrotask).toBe(false);
  stop();
});

test("SPEC H5: one quiet count for every subscriber; none runs after its unsubscribe", async () => {
  const listeners = new Listeners();
  const calls = [0, 0, 0];
  const stops = calls.map((_, i) => subscribeCoalesced(listeners.subscribe, () => calls[i]!++));
  for await (const _ of buffered(100)) listeners.notify();
  stops[2]!();
  await turns(100);
  expect(calls).toEqual([1, 1, 0]);
  for (const stop of stops) stop();
});
