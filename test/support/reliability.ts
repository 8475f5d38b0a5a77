/**
 * Shared pieces of the reliability tests: a process-level tracker of uncaught errors, a
 * recorder of every state a materializer publishes, a bounded wait on a published state, and
 * the server-defined model those states are checked against.
 */
import type { Materializer, MaterializerState, ServiceHealthResult } from "react-submatview/core";

/** Counts `uncaughtException` / `unhandledRejection` events from now until `stop()`. */
export function trackUncaught() {
  const errors: unknown[] = [];
  const onError = (error: unknown) => errors.push(error);
  process.on("uncaughtException", onError);
  process.on("unhandledRejection", onError);
  return {
    errors,
    stop() {
      process.off("uncaughtException", onError);
      process.off("unhandledRejection", onError);
    },
  };
}

/** The ids of a health result, in the view's order. */
export const idsOf = (value: ServiceHealthResult | undefined): string[] | undefined =>
  value?.nodes.map((n) => n.Service?.ID ?? "");

/** A published state as data: index, ids, status and error (for assertions and messages). */
export interface Seen {
  readonly index: bigint;
  readonly ids: string[] | undefined;
  readonly status: string;
  readonly error: Error | undefined;
}

/** Records every state `materializer` publishes (listeners run once per update, M9). */
export function recordStates(materializer: Materializer<ServiceHealthResult>) {
  const seen: Seen[] = [];
  const record = (state: MaterializerState<ServiceHealthResult>) =>
    seen.push({
      index: state.index,
      ids: idsOf(state.value),
      status: state.status,
      error: state.error,
    });
  const stop = materializer.subscribe(() => record(materializer.getSnapshot()));
  return { seen, stop };
}

/**
 * Resolves with the first state (the current one included) that satisfies `ok`; rejects after
 * `ms` of real time, naming `what`, so a client that never gets there fails instead of hanging.
 */
export function waitForState<T>(
  materializer: Materializer<T>,
  ok: (state: MaterializerState<T>) => boolean,
  what: string,
  ms = 5_000,
): Promise<MaterializerState<T>> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const state = materializer.getSnapshot();
      if (!ok(state)) return false;
      clearTimeout(timer);
      stop();
      resolve(state);
      return true;
    };
    const timer = setTimeout(() => {
      stop();
      const s = materializer.getSnapshot();
      reject(new Error(`timed out waiting for ${what}; last state ${s.status}@${s.index}`));
    }, ms);
    const stop = materializer.subscribe(() => void check());
    check();
  });
}

/**
 * Mismatches between published states and the server's model: every state with an index > 0
 * must show exactly the ids the server defined at that index (no mixed view, SPEC M3, M5).
 */
export function mixedStates(seen: readonly Seen[], model: ReadonlyMap<bigint, string[]>): string[] {
  const wrong: string[] = [];
  for (const state of seen) {
    if (state.index === 0n) {
      if (state.ids !== undefined) wrong.push(`a value at index 0: ${state.ids}`);
      continue;
    }
    const expected = model.get(state.index);
    if (!expected) wrong.push(`index ${state.index} the server never defined (${state.ids})`);
    else if (JSON.stringify(state.ids) !== JSON.stringify(expected))
      wrong.push(`at ${state.index}: [${state.ids}] instead of [${expected}]`);
  }
  return wrong;
}
