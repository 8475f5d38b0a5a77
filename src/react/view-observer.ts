/** `ViewObserver`: one component's own view (its `select`) of a shared request key (SPEC H2). */
import type { MaterializedRequest, MaterializerRegistry } from "../core/index.js";
import { type KeyShare, shareOf } from "./key-share.js";
import { SelectedResult, type ViewResult } from "./view-result.js";

export type { ViewResult } from "./view-result.js";
export { IDLE, isLoadingState, LOADING } from "./view-result.js";

/**
 * The glue between one component and its key's shared subscription (TanStack's QueryObserver,
 * in small): subscribing joins the registry's `KeyShare` for the request key (one lease and one
 * coalesced subscription per key, SPEC R2, H5), and the observer keeps only what is the
 * component's own — its `select`/`isEqual`, the `idleTtlMs` it asks for, and an immutable
 * result that keeps its identity while the selected data is unchanged. (A component with none
 * of these needs no observer: the hook uses the key's shared result.)
 */
export class ViewObserver<TResult, TSelected> extends SelectedResult<TResult, TSelected> {
  readonly #registry: MaterializerRegistry;
  readonly #request: MaterializedRequest<TResult>;
  /** The key's share, looked up on first use (a later one joins it back into its table). */
  #share: KeyShare<TResult> | undefined;
  #subscribe: ((listener: () => void) => () => void) | undefined;
  #idleTtlMs: number | undefined;

  constructor(registry: MaterializerRegistry, request: MaterializedRequest<TResult>) {
    super();
    this.#registry = registry;
    this.#request = request;
  }

  /** Whether this observes `key` in `registry` (a hook keeps it while that holds). */
  serves(registry: MaterializerRegistry, key: string): boolean {
    return this.#registry === registry && this.#request.key === key;
  }

  /**
   * Takes the latest `select`/`isEqual` of a render (a new `select` re-derives the result) and
   * the `idleTtlMs` this component asks for when it leaves (SPEC H2, R4).
   */
  setOptions(
    select: ((value: TResult) => TSelected) | undefined,
    isEqual: ((a: TSelected, b: TSelected) => boolean) | undefined,
    idleTtlMs?: number,
  ): void {
    this.#idleTtlMs = idleTtlMs;
    if (select !== this.select) this.lastState = undefined;
    this.select = select;
    this.isEqual = isEqual ?? Object.is;
  }

  /**
   * `useSyncExternalStore`'s subscribe: joins the key's share (the first component takes its
   * lease) and leaves it with this component's `idleTtlMs` (SPEC R4). Created on first use.
   */
  get subscribe(): (listener: () => void) => () => void {
    this.#subscribe ??= (listener) => {
      const share = this.#keyShare();
      const leave = share.add(listener);
      // A change between render and subscribe must not be lost (STYLE 5).
      if (share.state !== this.lastState) listener();
      return () => leave(this.#idleTtlMs);
    };
    return this.#subscribe;
  }

  /**
   * The key's own subscribe, for a component that asks for no idle TTL: it needs no
   * subscription of its own, React re-reads this observer's getSnapshot on every notification.
   */
  get sharedSubscribe(): (listener: () => void) => () => void {
    return this.#keyShare().subscribe;
  }

  getSnapshot = (): ViewResult<TSelected> =>
    this.derive(this.#share ? this.#share.state : this.#registry.peek(this.#request));

  #keyShare(): KeyShare<TResult> {
    this.#share ??= shareOf(this.#registry, this.#request);
    return this.#share;
  }

  /**
   * For Suspense: a promise that settles at the first complete snapshot (not at the end of the
   * stream), one per key however many components suspend on it (`KeyShare.suspend`).
   */
  suspend(): Promise<unknown> {
    return this.#keyShare().suspend();
  }
}
