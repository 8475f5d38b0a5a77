/**
 * The state delivery behind `registry.notify` (SPEC R3): the latest state, coalesced to one
 * call per burst, skipped while nothing changed; stopping it drops the lease.
 */
import type { Lease } from "./registry-entry.js";
import { scheduleTask, subscribeCoalesced } from "./schedule-task.js";
import type { MaterializerState } from "./types.js";

/**
 * Calls `callback` with `lease`'s state whenever the index moves or an error surfaces, first as
 * soon as a snapshot exists. `watchers` (the entry's) gets the stop, so eviction runs it; the
 * returned stop also runs on `signal`'s abort and releases the lease, once.
 */
export function notifySubscription<TResult>(
  lease: Lease<TResult>,
  watchers: Set<() => void> | undefined,
  callback: (state: MaterializerState<TResult>) => void,
  signal: AbortSignal | undefined,
): () => void {
  const materializer = lease.materializer;
  let delivered: MaterializerState<TResult> | undefined;
  let stopped = false;
  const deliver = () => {
    if (stopped) return;
    const state = materializer.getSnapshot();
    if (state.index === 0n && !state.error) return;
    if (delivered && delivered.index === state.index && delivered.error === state.error) return;
    delivered = state;
    callback(state);
  };
  const unsubscribe = subscribeCoalesced(materializer.subscribe, deliver);
  const stop = () => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    watchers?.delete(stop);
    signal?.removeEventListener("abort", stop);
    lease.release();
  };
  watchers?.add(stop);
  signal?.addEventListener("abort", stop, { once: true });
  // A snapshot may already exist (a shared entry): deliver it without waiting for a change.
  scheduleTask(deliver);
  return stop;
}
