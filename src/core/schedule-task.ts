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
 * Subscribes `listener` through `subscribe` so that it runs at most once per task, however
 * many notifications a burst brings, and never after the returned unsubscribe (SPEC R3, H5).
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
    if (scheduled) return;
    scheduled = true;
    scheduleTask(run);
  });
  return () => {
    active = false;
    unsubscribe();
  };
}
