/** `useMaterializedView`: the main hook, a component's view of a shared request (SPEC H2–H5). */
import { useRef, useSyncExternalStore } from "react";
import type { MaterializedRequest } from "../core/index.js";
import { BlockingObserver, type BlockingResult } from "./blocking-observer.js";
import { KeyShare, shareOf } from "./key-share.js";
import { useMaterializerRegistry } from "./registry-context.js";
import { ViewObserver } from "./view-observer.js";
import { IDLE, LOADING, type ViewResult } from "./view-result.js";

export interface MaterializedViewOptions<TResult, TSelected> {
  /** Derives the slice the component uses; with `isEqual`, an unchanged slice never re-renders. */
  readonly select?: (value: TResult) => TSelected;
  /** Compares two selected slices (default `Object.is`). */
  readonly isEqual?: (a: TSelected, b: TSelected) => boolean;
  /** `false` opens nothing and returns an idle result (default `true`). */
  readonly enabled?: boolean;
  /** Suspend until the first complete snapshot; a terminal error goes to the error boundary. */
  readonly suspense?: boolean;
  /**
   * Blocking-index mode (SPEC H3): instead of following every update, re-issue blocking
   * queries from `minIndex` (each result's index becomes the next `minIndex`), like Consul's
   * agent cache. `timeoutMs` bounds each query.
   */
  readonly minIndex?: bigint;
  readonly timeoutMs?: number;
  /**
   * Keep this view for at least this long (and at least the registry's TTL) once the last
   * component lets go, when this component is among the last to leave (those leaving in the
   * same task count together; what earlier holders asked does not stay; SPEC H2, R4).
   */
  readonly idleTtlMs?: number;
}

const NO_OPTIONS = Object.freeze({});

/** What a component's `useSyncExternalStore` reads: its own observer, or its key's share. */
type Store<TResult, TSelected> =
  | ViewObserver<TResult, TSelected>
  | BlockingObserver<TResult, TSelected>
  | KeyShare<TResult>;
const noopSubscribe = () => () => {};
const idle = () => IDLE;
const loading = () => LOADING;

/**
 * Subscribes a component to a shared, live materialized view (SPEC H2, H3, H5): one stream per
 * request key however many components use it, kept for the registry's idle TTL after the last
 * one unmounts. Renders at most about once per burst of events, and not at all when the
 * selected slice did not change. Server rendering opens nothing and returns the loading state.
 *
 * @example
 * ```tsx
 * function Healthy({ name }: { name: string }) {
 *   const { data, isLoading, error } = useMaterializedView(serviceHealthRequest({ service: name }), {
 *     select: (r) => r.nodes.filter((n) => n.Checks.every((c) => c.Status === "passing")).length,
 *   });
 *   if (isLoading) return <Spinner />; // no snapshot yet and no error
 *   // An unreachable server shows its error here while the hook keeps retrying.
 *   if (data === undefined) return <span role="alert">{error?.message}</span>;
 *   return <span title={error?.message}>{data} healthy</span>;
 * }
 * ```
 */
export function useMaterializedView<TResult, TSelected = TResult>(
  request: MaterializedRequest<TResult> | null | undefined,
  options: MaterializedViewOptions<TResult, TSelected> = NO_OPTIONS,
): ViewResult<TSelected> & Partial<Pick<BlockingResult<TSelected>, "notModified">> {
  const registry = useMaterializerRegistry();
  const { minIndex, timeoutMs, select, isEqual, idleTtlMs } = options;
  const blocking = minIndex !== undefined || timeoutMs !== undefined;
  const enabled = (options.enabled ?? true) && request != null;
  // No option of its own: the component reads the key's shared result (no observer at all).
  const own = select !== undefined || isEqual !== undefined || idleTtlMs !== undefined;
  // One store per registry and request key (and mode), kept in a ref and replaced when they
  // change (`request` is read only then): three hooks whatever the mode and nothing allocated
  // per render, so a component costs little more than React's own state for it (issue 10).
  // Creating a store has no effect outside it (a share created for nothing leaves its table).
  const ref = useRef<Store<TResult, TSelected> | null>(null);
  let store = ref.current;
  if (!enabled || !request) store = null;
  else if (blocking) {
    const from = minIndex ?? 0n;
    const kept =
      store instanceof BlockingObserver && store.serves(registry, request.key, from, timeoutMs);
    if (!kept) store = new BlockingObserver<TResult, TSelected>(registry, request, from, timeoutMs);
  } else if (own) {
    const kept = store instanceof ViewObserver && store.serves(registry, request.key);
    if (!kept) store = new ViewObserver<TResult, TSelected>(registry, request);
  } else if (!(store instanceof KeyShare && store.serves(registry, request.key))) {
    store = shareOf(registry, request);
  }
  ref.current = store;
  if (store instanceof ViewObserver) store.setOptions(select, isEqual, idleTtlMs);
  else if (store instanceof BlockingObserver) store.setOptions(select);
  // Without a select, TSelected is TResult: the key's shared result is the component's.
  const getSnapshot = (store?.getSnapshot ??
    (enabled ? loading : idle)) as () => ViewResult<TSelected>;
  // On the server (and while hydrating) only getSnapshot runs: it reads the registry without
  // subscribing, so no stream starts; a dehydrated snapshot renders as data (SPEC H4).
  // A select of its own needs no subscription of its own: only a TTL does (R4).
  const subscribe =
    store instanceof ViewObserver && idleTtlMs === undefined
      ? store.sharedSubscribe
      : (store?.subscribe ?? noopSubscribe);
  const result = useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
  if (options.suspense && enabled && typeof window !== "undefined") {
    if (result.status === "failed" && result.error) throw result.error;
    if (result.isLoading && store && !(store instanceof BlockingObserver)) throw store.suspend();
  }
  return result;
}
