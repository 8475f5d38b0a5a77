/**
 * More readers for the malformed-input fuzzer, each a different way an app sees a
 * materializer: states kept and read only at the end (a lazily built value must still be the
 * one of its index, SPEC M9/M10), and a blocking-query loop (`fetch` with minIndex = the last
 * index, SPEC M8) whose every answer must pair a value with its own index.
 */
import type { Materializer, MaterializerState, ServiceHealthResult } from "react-submatview/core";
import { idsOf, type Seen } from "./reliability.js";

/** Keeps every published state object; `read()` reads their values only when called. */
export function keepStates(materializer: Materializer<ServiceHealthResult>) {
  const kept: MaterializerState<ServiceHealthResult>[] = [];
  const stop = materializer.subscribe(() => kept.push(materializer.getSnapshot()));
  return {
    stop,
    read(): Seen[] {
      return kept.map((s) => ({
        index: s.index,
        ids: idsOf(s.value),
        status: s.status,
        error: s.error,
      }));
    },
  };
}

/**
 * Runs blocking fetches in a loop until `signal` aborts (at most `rounds`), recording every
 * answer as a state; a fetch that rejects with anything but the abort is recorded as an error.
 */
export function blockingLoop(
  materializer: Materializer<ServiceHealthResult>,
  signal: AbortSignal,
  rounds = 500,
) {
  const answers: Seen[] = [];
  const problems: string[] = [];
  const done = (async () => {
    let minIndex = 0n;
    for (let round = 0; round < rounds && !signal.aborted; round++) {
      try {
        const result = await materializer.fetch({ minIndex, signal });
        answers.push({
          index: result.index,
          ids: idsOf(result.value),
          status: result.error ? "error" : "ok",
          error: result.error,
        });
        if (!result.error && result.index <= minIndex && !result.reset)
          problems.push(`fetch(minIndex ${minIndex}) answered ${result.index} without an error`);
        minIndex = result.index;
      } catch (error) {
        if (!signal.aborted) problems.push(`fetch rejected: ${String(error)}`);
        return;
      }
    }
    if (!signal.aborted) problems.push(`the blocking loop ran ${rounds} rounds: a spin`);
  })();
  return { answers, problems, done };
}
