/**
 * `BlockingObserver`: one component's Consul-style blocking-query loop (SPEC H3, M8) as an
 * external store for `useSyncExternalStore` — the loop runs while React is subscribed, each
 * result is kept as an immutable snapshot and becomes the next query's `minIndex`.
 */
import {
  classifyFailure,
  type FetchResult,
  type MaterializedRequest,
  type MaterializerRegistry,
} from "../core/index.js";
import { isLoadingState, LOADING, type ViewResult } from "./view-result.js";

/** A blocking query's result (SPEC H3). */
export interface BlockingResult<TData> extends ViewResult<TData> {
  /** The last query timed out without a newer state. */
  readonly notModified: boolean;
}

export const BLOCKING_LOADING: BlockingResult<never> = Object.freeze({
  ...LOADING,
  notModified: false,
});

/**
 * Re-issues blocking fetches against the shared entry while subscribed (each one a reference,
 * R2). Stops on a terminal error, and — with an error naming SPEC M8 — on a fetch that answers
 * at once with an index not above the `minIndex` it asked for (re-issuing it would be a busy
 * loop that never yields to the event loop). One observer per registry, request key,
 * `minIndex` and `timeoutMs`: a new key starts from the loading state, never from the previous
 * key's result (SPEC H2).
 */
export class BlockingObserver<TResult, TSelected> {
  readonly #registry: MaterializerRegistry;
  readonly #request: MaterializedRequest<TResult>;
  readonly #minIndex: bigint;
  readonly #timeoutMs: number | undefined;
  #select: ((value: TResult) => TSelected) | undefined;
  /** The latest fetch result, and the one `#result` was derived from (none yet: loading). */
  #raw: Published<TResult> | undefined;
  #derived: Published<TResult> | undefined;
  #result: BlockingResult<TSelected> = BLOCKING_LOADING;

  constructor(
    registry: MaterializerRegistry,
    request: MaterializedRequest<TResult>,
    minIndex: bigint,
    timeoutMs: number | undefined,
  ) {
    this.#registry = registry;
    this.#request = request;
    this.#minIndex = minIndex;
    this.#timeoutMs = timeoutMs;
  }

  /** Whether this runs these queries (a hook keeps it while that holds). */
  serves(
    registry: MaterializerRegistry,
    key: string,
    minIndex: bigint,
    timeoutMs: number | undefined,
  ): boolean {
    return (
      this.#registry === registry &&
      this.#request.key === key &&
      this.#minIndex === minIndex &&
      this.#timeoutMs === timeoutMs
    );
  }

  /**
   * The latest `select` of a render: a new one re-derives the current result (a select that
   * depends on props shows the new prop's slice at once, as in live mode), without restarting
   * the loop.
   */
  setOptions(select: ((value: TResult) => TSelected) | undefined): void {
    if (select !== this.#select) this.#derived = undefined;
    this.#select = select;
  }

  /**
   * The latest result, its slice selected on first read: a `select` that throws throws here,
   * in the render, to the error boundary (as in live mode), and again on the next read — never
   * an unhandled rejection that ends the loop silently.
   */
  getSnapshot = (): BlockingResult<TSelected> => {
    const raw = this.#raw;
    if (raw === this.#derived) return this.#result;
    const select = this.#select;
    const { r, status, resets } = raw!;
    const data =
      r.value === undefined
        ? undefined
        : select
          ? select(r.value)
          : (r.value as unknown as TSelected);
    this.#derived = raw;
    this.#result = {
      data,
      index: r.index,
      status,
      error: r.error,
      isLoading: isLoadingState(r),
      resets,
      notModified: r.notModified ?? false,
    };
    return this.#result;
  };

  subscribe = (listener: () => void): (() => void) => {
    const controller = new AbortController();
    void this.#loop(controller.signal, listener);
    return () => controller.abort();
  };

  async #loop(signal: AbortSignal, listener: () => void): Promise<void> {
    let resets = 0;
    const publish = (r: FetchResult<TResult>, status: ViewResult<TSelected>["status"]) => {
      if (r.reset) resets++;
      this.#raw = { r, status, resets };
      listener();
    };
    const timeoutMs = this.#timeoutMs;
    let next = this.#minIndex;
    while (!signal.aborted) {
      const r = await this.#registry
        .get(this.#request, { minIndex: next, timeoutMs, signal })
        .catch(() => undefined);
      if (!r || signal.aborted) return;
      if (r.error && classifyFailure(r.error) === "terminal") {
        publish(r, "failed");
        return;
      }
      if (!r.error && !r.notModified && !r.reset && r.index <= next) {
        // M8 answers at once only with a newer index: re-issuing would spin on microtasks
        // and starve the event loop (the page, or a test and its own timeout). Stop, and say why.
        publish({ ...r, error: new Error(stuckMessage(next, r.index)) }, "failed");
        return;
      }
      publish(r, r.error ? "reconnecting" : "live");
      if (!r.error && !r.notModified) next = r.index;
    }
  }
}

/** One published fetch result, before its slice is selected. */
interface Published<TResult> {
  readonly r: FetchResult<TResult>;
  readonly status: ViewResult<unknown>["status"];
  readonly resets: number;
}

function stuckMessage(minIndex: bigint, index: bigint): string {
  return (
    `useBlockingQuery: a blocking fetch with minIndex ${minIndex} answered at once with index ` +
    `${index}, which is not newer (SPEC M8: it must wait for an index above minIndex); the ` +
    "query loop stopped instead of re-issuing it in a busy loop"
  );
}
