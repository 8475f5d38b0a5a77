/**
 * The blocking-index query of SPEC M8 (Consul's `Materializer.getFromView`), over a
 * materializer's {@link ViewKeeper} and its waiting fetches.
 */
import { abortError, MaterializerClosedError } from "./errors.js";
import type { FetchWaiters } from "./fetch-waiters.js";
import type { FetchOptions, FetchResult } from "./types.js";
import type { ViewKeeper } from "./view-keeper.js";

/** Whether the materializer still runs, and its published error. */
export interface FetchRunState {
  /** `run` ended on a terminal error: answer with the last good state and that error. */
  readonly stopped: boolean;
  /** `run` ended: a fetch that would wait rejects. */
  readonly closed: boolean;
  readonly error: Error | undefined;
}

/**
 * The state once its index passes `minIndex`, the last good state with the error when the
 * stream fails, or — after `timeoutMs` — the current state marked `notModified`. A reset that
 * lands below `minIndex` is returned (`reset: true`).
 */
export function blockingFetch<TResult>(
  keeper: ViewKeeper<TResult>,
  waiters: FetchWaiters,
  run: FetchRunState,
  options: FetchOptions,
): Promise<FetchResult<TResult>> {
  const { minIndex = 0n, timeoutMs, signal } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  if (keeper.index > 0n && keeper.index > minIndex) {
    return Promise.resolve({
      value: keeper.resultAt(keeper.index),
      index: keeper.index,
      cached: true,
    });
  }
  if (run.stopped) {
    return Promise.resolve({
      value: keeper.publishedValue(),
      index: keeper.publishedIndex,
      error: run.error,
    });
  }
  if (run.closed) {
    return Promise.reject(new MaterializerClosedError("the materializer is stopped"));
  }
  return waiters.wait<FetchResult<TResult>>(
    {
      onNotify: (error, reset) => {
        if (error) return { value: keeper.publishedValue(), index: keeper.publishedIndex, error };
        if (keeper.index > minIndex)
          return { value: keeper.resultAt(keeper.index), index: keeper.index };
        // The server's state went back (e.g. a restore): waiting for the old index could take forever.
        if (reset && keeper.index > 0n && keeper.index < minIndex)
          return { value: keeper.resultAt(keeper.index), index: keeper.index, reset: true };
        return undefined;
      },
      onTimeout: () => ({
        value: keeper.publishedValue(),
        index: keeper.publishedIndex,
        notModified: true,
      }),
    },
    timeoutMs,
    signal,
  );
}
