import type { MaterializerState, MaterializerStatus } from "./types.js";

/**
 * One published state, built only when `getSnapshot()` is called. `value` is computed on
 * first read (a view's result is O(n) to build); the materializer calls `freeze()` before it
 * mutates the view, so `value` and `index` always describe the same state.
 */
export class PublishedState<TResult> implements MaterializerState<TResult> {
  #value: TResult | undefined;
  #compute: (() => TResult) | undefined;

  constructor(
    readonly status: MaterializerStatus,
    readonly index: bigint,
    readonly error: Error | undefined,
    readonly resets: number,
    value: TResult | undefined | (() => TResult),
  ) {
    if (typeof value === "function") this.#compute = value as () => TResult;
    else this.#value = value;
  }

  get value(): TResult | undefined {
    if (this.#compute) {
      this.#value = this.#compute();
      this.#compute = undefined;
    }
    return this.#value;
  }

  /** Computes `value` now, while the view is still at `index`. */
  freeze(): void {
    if (this.#compute) void this.value;
  }
}
