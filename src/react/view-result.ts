/**
 * What the hooks return (SPEC H2) and `SelectedResult`, the cache that derives it from an
 * entry's state: immutable, and the same object while nothing the component sees changed.
 */
import type { MaterializerState, MaterializerStatus } from "../core/index.js";

/** What `useMaterializedView` returns (SPEC H2). */
export interface ViewResult<TData> {
  /** The view's result, or the selected slice of it; `undefined` until the first snapshot. */
  readonly data: TData | undefined;
  /** Index of `data` (with `select`: the index at which the slice last changed). */
  readonly index: bigint;
  readonly status: MaterializerStatus;
  /** The last failure since the last good update (data stays visible meanwhile). */
  readonly error: Error | undefined;
  /** No snapshot yet and no error: the entry's state, never the selected slice (SPEC H2). */
  readonly isLoading: boolean;
  /** How many times the view was rebuilt from a new snapshot (a resync). */
  readonly resets: number;
}

export const IDLE: ViewResult<never> = Object.freeze({
  data: undefined,
  index: 0n,
  status: "connecting",
  error: undefined,
  isLoading: false,
  resets: 0,
});

export const LOADING: ViewResult<never> = Object.freeze({ ...IDLE, isLoading: true });

/**
 * Loading (and suspending) means the entry has no snapshot yet and no error (SPEC H2). An error
 * before the first snapshot (an unreachable server, retried meanwhile) is shown, not hidden.
 */
export function isLoadingState(state: { readonly index: bigint; readonly error?: Error }): boolean {
  return state.index === 0n && state.error === undefined;
}

/**
 * Derives a {@link ViewResult} from an entry's state through an optional `select` and `isEqual`,
 * at most once per state, keeping the previous result while nothing it shows changed (an
 * unchanged slice renders nothing, SPEC H5). Fields, not `#private`: `ViewObserver` extends it.
 */
export class SelectedResult<TResult, TSelected> {
  protected select: ((value: TResult) => TSelected) | undefined;
  protected isEqual: (a: TSelected, b: TSelected) => boolean = Object.is;
  protected lastState: MaterializerState<TResult> | undefined;
  protected result: ViewResult<TSelected> = LOADING;
  /** Whether `result.data` was selected from a value: `undefined` may be a slice (SPEC H2). */
  protected selected = false;

  /** The result for `state` (`undefined`: no entry yet, loading). */
  derive(state: MaterializerState<TResult> | undefined): ViewResult<TSelected> {
    if (state === this.lastState) return this.result;
    if (!state) {
      this.lastState = state;
      this.result = LOADING;
      this.selected = false;
      return this.result;
    }
    const previous = this.result;
    let data = previous.data;
    let index = previous.index;
    if (state.index !== 0n || state.value !== undefined) {
      const value = state.value as TResult;
      const selected = this.select ? this.select(value) : (value as unknown as TSelected);
      // An unchanged slice, `undefined` included, keeps the result and renders nothing (H5).
      const unchanged = this.selected && this.isEqual(previous.data as TSelected, selected);
      this.selected = true;
      if (!unchanged) {
        data = selected;
        index = state.index;
      } else if (!this.select) {
        index = state.index;
      }
    }
    // Only once `select` returned: one that throws throws again on the next read (the render
    // reaches the error boundary) instead of leaving the previous slice shown as current.
    this.lastState = state;
    // From the entry's state, never from the slice: a `select` may return undefined (SPEC H2).
    const isLoading = isLoadingState(state);
    if (
      data === previous.data &&
      index === previous.index &&
      state.status === previous.status &&
      state.error === previous.error &&
      isLoading === previous.isLoading &&
      state.resets === previous.resets
    ) {
      return previous;
    }
    this.result = {
      data,
      index,
      status: state.status,
      error: state.error,
      isLoading,
      resets: state.resets,
    };
    return this.result;
  }
}
