import { useMemo, useSyncExternalStore } from "react";
import type { MaterializedRequest } from "../core/index.js";
import { useMaterializerRegistry } from "./registry-context.js";
import {
  type BlockingOptions,
  type BlockingResult,
  useBlockingLoop,
} from "./use-blocking-query.js";
import { IDLE, LOADING, ViewObserver, type ViewResult } from "./view-observer.js";

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
  /** Keep this view for at least this long after the last component lets go (SPEC H2, R4). */
  readonly idleTtlMs?: number;
}

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
  options: MaterializedViewOptions<TResult, TSelected> = {},
): ViewResult<TSelected> & Partial<Pick<BlockingResult<TSelected>, "notModified">> {
  const registry = useMaterializerRegistry();
  const blocking = options.minIndex !== undefined || options.timeoutMs !== undefined;
  const enabled = (options.enabled ?? true) && request != null;
  const key = request?.key;
  // One observer per registry and request key; `request` is read only when the key changes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by request.key on purpose
  const observer = useMemo(
    () =>
      enabled && !blocking && request
        ? new ViewObserver<TResult, TSelected>(registry, request)
        : null,
    [registry, key, enabled, blocking],
  );
  observer?.setOptions(options.select, options.isEqual, options.idleTtlMs);
  const getSnapshot = observer?.getSnapshot ?? (enabled ? loading : idle);
  // On the server (and while hydrating) only getSnapshot runs: it reads the registry without
  // subscribing, so no stream starts; a dehydrated snapshot renders as data (SPEC H4).
  const live = useSyncExternalStore(observer?.subscribe ?? noopSubscribe, getSnapshot, getSnapshot);
  const blocked = useBlockingLoop(
    enabled && blocking ? request : null,
    options as BlockingOptions<TResult, TSelected>,
  );
  const result = blocking ? blocked : live;
  if (options.suspense && enabled && typeof window !== "undefined") {
    if (result.status === "failed" && result.error) throw result.error;
    if (result.isLoading && observer) throw observer.suspend();
  }
  return result;
}
