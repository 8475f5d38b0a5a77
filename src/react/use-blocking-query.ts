/** `useBlockingQuery`: Consul-style blocking index queries against the shared view (SPEC H3). */
import { useRef, useSyncExternalStore } from "react";
import type { MaterializedRequest } from "../core/index.js";
import { BLOCKING_LOADING, BlockingObserver, type BlockingResult } from "./blocking-observer.js";
import { useMaterializerRegistry } from "./registry-context.js";
import { IDLE } from "./view-result.js";

export type { BlockingResult } from "./blocking-observer.js";

export interface BlockingOptions<TResult, TSelected> {
  /** The first query's minIndex (default 0: any snapshot). */
  readonly minIndex?: bigint;
  /** Bounds each query; a timeout publishes a `notModified` result. */
  readonly timeoutMs?: number;
  readonly enabled?: boolean;
  readonly select?: (value: TResult) => TSelected;
}

const BLOCKING_IDLE: BlockingResult<never> = Object.freeze({ ...IDLE, notModified: false });
const NO_OPTIONS = Object.freeze({});
const noopSubscribe = () => () => {};
const idle = () => BLOCKING_IDLE;
const loading = () => BLOCKING_LOADING;

/**
 * Consul-style blocking queries against the shared view (SPEC H3): each result is published to
 * the component and its index becomes the next query's `minIndex`, exactly as Consul's agent
 * cache refreshes a blocking query. Stops on a terminal error, and — with an error naming
 * SPEC M8 — on a fetch that answers at once with an index not above the `minIndex` it asked
 * for (re-issuing it would be a busy loop that never yields to the event loop).
 */
export function useBlockingQuery<TResult, TSelected = TResult>(
  request: MaterializedRequest<TResult> | null | undefined,
  options: BlockingOptions<TResult, TSelected> = NO_OPTIONS,
): BlockingResult<TSelected> {
  const registry = useMaterializerRegistry();
  const enabled = (options.enabled ?? true) && request != null;
  const { minIndex = 0n, timeoutMs } = options;
  // One loop per registry, request key and blocking parameters, kept in a ref (nothing
  // allocated per render); `request` is read only when they change, `select` per result.
  const ref = useRef<BlockingObserver<TResult, TSelected> | null>(null);
  let observer = ref.current;
  if (!enabled || !request) observer = null;
  else if (!observer?.serves(registry, request.key, minIndex, timeoutMs)) {
    observer = new BlockingObserver<TResult, TSelected>(registry, request, minIndex, timeoutMs);
  }
  ref.current = observer;
  observer?.setOptions(options.select);
  const getSnapshot = observer?.getSnapshot ?? (enabled ? loading : idle);
  return useSyncExternalStore(observer?.subscribe ?? noopSubscribe, getSnapshot, getSnapshot);
}
