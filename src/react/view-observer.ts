import type {
  Lease,
  MaterializedRequest,
  MaterializerRegistry,
  MaterializerState,
  MaterializerStatus,
} from "../core/index.js";
import { scheduleTask, subscribeCoalesced } from "../core/schedule-task.js";

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

/** How long an entry outlives a settled suspension, so the retry render finds it (SPEC H2). */
const SUSPENSE_GRACE_MS = 1_000;

/**
 * The glue between one request's registry entry and `useSyncExternalStore` (TanStack's
 * QueryObserver, in small): holds a reference while React is subscribed, forwards the
 * materializer's notifications at most once per task (SPEC H5), and derives an immutable
 * result that keeps its identity while the selected data is unchanged.
 */
export class ViewObserver<TResult, TSelected> {
  readonly #registry: MaterializerRegistry;
  readonly #request: MaterializedRequest<TResult>;
  #select: ((value: TResult) => TSelected) | undefined;
  #isEqual: (a: TSelected, b: TSelected) => boolean = Object.is;
  #lease: Lease<TResult> | undefined;
  #listeners = 0;
  #lastState: MaterializerState<TResult> | undefined;
  #result: ViewResult<TSelected> = LOADING;
  #suspended: Promise<unknown> | undefined;
  /** Whether `#result.data` was selected from a value: `undefined` may be a slice (SPEC H2). */
  #selected = false;
  #idleTtlMs: number | undefined;

  constructor(registry: MaterializerRegistry, request: MaterializedRequest<TResult>) {
    this.#registry = registry;
    this.#request = request;
  }

  /** Takes the latest `select`/`isEqual` of a render; a new `select` re-derives the result. */
  setOptions(
    select: ((value: TResult) => TSelected) | undefined,
    isEqual: ((a: TSelected, b: TSelected) => boolean) | undefined,
    idleTtlMs?: number,
  ): void {
    this.#idleTtlMs = idleTtlMs;
    if (select !== this.#select) this.#lastState = undefined;
    this.#select = select;
    this.#isEqual = isEqual ?? Object.is;
  }

  subscribe = (listener: () => void): (() => void) => {
    let closed = false;
    let lease = this.#acquire();
    this.#listeners++;
    const watch = () => {
      const stopUpdates = subscribeCoalesced(lease.materializer.subscribe, listener);
      const stopReplaced = lease.onReplaced(() => scheduleTask(follow));
      return () => {
        stopUpdates();
        stopReplaced();
      };
    };
    // R5: a new request (a refetch, another component) replaced the stopped entry held here:
    // follow the fresh one instead of showing 'failed' until a remount. Only a live one: a
    // holder never opens a stream of its own here (no retry storm between holders, M6).
    const follow = () => {
      const current = this.#registry.peek(this.#request);
      if (closed || !current || current.status === "failed") return;
      unwatch();
      const stopped = lease;
      lease = this.#acquire();
      unwatch = watch();
      stopped.release();
      listener();
    };
    let unwatch = watch();
    // A change between render and subscribe must not be lost (STYLE 5).
    if (lease.materializer.getSnapshot() !== this.#lastState) listener();
    return () => {
      closed = true;
      unwatch();
      if (--this.#listeners === 0) this.#lease = undefined;
      lease.release();
    };
  };

  #acquire(): Lease<TResult> {
    this.#lease = this.#registry.acquire(this.#request, { idleTtlMs: this.#idleTtlMs });
    return this.#lease;
  }

  getSnapshot = (): ViewResult<TSelected> => {
    const state = this.#lease?.materializer.getSnapshot() ?? this.#registry.peek(this.#request);
    if (state === this.#lastState) return this.#result;
    this.#lastState = state;
    if (!state) {
      this.#result = LOADING;
      this.#selected = false;
      return this.#result;
    }
    const previous = this.#result;
    let data = previous.data;
    let index = previous.index;
    if (state.index !== 0n || state.value !== undefined) {
      const value = state.value as TResult;
      const selected = this.#select ? this.#select(value) : (value as unknown as TSelected);
      // An unchanged slice, `undefined` included, keeps the result and renders nothing (H5).
      const unchanged = this.#selected && this.#isEqual(previous.data as TSelected, selected);
      this.#selected = true;
      if (!unchanged) {
        data = selected;
        index = state.index;
      } else if (!this.#select) {
        index = state.index;
      }
    }
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
    this.#result = {
      data,
      index,
      status: state.status,
      error: state.error,
      isLoading,
      resets: state.resets,
    };
    return this.#result;
  };

  /**
   * For Suspense: a promise that settles at the first complete snapshot (not at the end of the
   * stream). Holds a reference while pending, then leaves the entry to the idle TTL, which
   * keeps it alive for the remount that follows.
   */
  suspend(): Promise<unknown> {
    if (!this.#suspended) {
      const lease = this.#registry.acquire(this.#request);
      this.#suspended = lease.materializer.fetch().finally(() => {
        // With an idle TTL of 0 the entry would close between the settle and the retry render,
        // which would then open a new stream and suspend again, forever: keep it a little
        // longer, this once (not the entry's idle TTL for good, SPEC R4, T3). A terminal error
        // too: the retry render (a fresh mount) must find it, not re-subscribe.
        lease.release({ keepMs: SUSPENSE_GRACE_MS, keepStoppedMs: SUSPENSE_GRACE_MS });
        // Settled (a snapshot, or an error before one): a render still loading suspends anew
        // rather than re-throwing a settled promise in a loop.
        this.#suspended = undefined;
      });
    }
    return this.#suspended;
  }
}
