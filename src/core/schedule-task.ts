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
