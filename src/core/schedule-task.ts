/**
 * Runs `callback` in a later task (not a microtask): every event already buffered on a stream
 * is processed first, so a burst collapses into one call (SPEC R3, H5). `setImmediate` in Node,
 * a `MessageChannel` in browsers (no 4 ms clamp), `setTimeout` elsewhere.
 */
export function scheduleTask(callback: () => void): void {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown };
  if (typeof g.setImmediate === "function") {
    g.setImmediate(callback);
    return;
  }
  if (typeof MessageChannel !== "undefined") {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      callback();
    };
    channel.port2.postMessage(undefined);
    return;
  }
  setTimeout(callback, 0);
}

/**
 * Microtask turns without a new notification after which a burst counts as over. A stream's
 * buffered messages reach the materializer a few turns apart (connect-web in Chromium: 5, JSON
 * and binary alike — a ReadableStream read, the envelope parser, async generators); the next
 * read from the network comes in a later task, so the queue goes quiet as soon as the buffer
 * is drained. Too few turns only costs extra renders (4 rendered a 100-event burst 100 times).
 */
const QUIET_TURNS = 32;
let quiet = 0;
let counting = false;
let due: (() => void)[] = [];

function turn(): void {
  if (--quiet > 0) {
    queueMicrotask(turn);
    return;
  }
  counting = false;
  const run = due;
  due = [];
  for (const callback of run) {
    try {
      callback();
    } catch (thrown) {
      queueMicrotask(() => {
        throw thrown;
      });
    }
  }
}

/** Restarts the quiet count: something of a burst just happened. */
function burstGoesOn(): void {
  quiet = QUIET_TURNS;
  if (counting) return;
  counting = true;
  queueMicrotask(turn);
}

/**
 * Subscribes `listener` through `subscribe` so that it runs once per burst, however many
 * notifications the burst brings, and never after the returned unsubscribe (SPEC R3, H5). A
 * burst ends when the microtask queue has gone QUIET_TURNS turns without a notification from
 * any materializer — still in the task that read the burst, so a view shows it without waiting
 * for another task (in Chromium that hop was most of our extra publish → DOM latency, issue
 * 10). One shared count for every subscriber: the work per turn does not grow with them.
 * The one coalescing mechanism behind `notify`, the React hook and the TanStack adapter.
 */
export function subscribeCoalesced(
  subscribe: (listener: () => void) => () => void,
  listener: () => void,
): () => void {
  let scheduled = false;
  let active = true;
  const run = () => {
    scheduled = false;
    if (active) listener();
  };
  const unsubscribe = subscribe(() => {
    burstGoesOn();
    if (scheduled) return;
    scheduled = true;
    due.push(run);
  });
  return () => {
    active = false;
    unsubscribe();
  };
}
