import { useEffect, useRef, useState } from "react";
import {
  classifyFailure,
  type FetchResult,
  type MaterializedRequest,
  type MaterializerRegistry,
} from "../core/index.js";
import { useMaterializerRegistry } from "./registry-context.js";
import { IDLE, isLoadingState, LOADING, type ViewResult } from "./view-observer.js";

export interface BlockingOptions<TResult, TSelected> {
  /** The first query's minIndex (default 0: any snapshot). */
  readonly minIndex?: bigint;
  /** Bounds each query; a timeout publishes a `notModified` result. */
  readonly timeoutMs?: number;
  readonly enabled?: boolean;
  readonly select?: (value: TResult) => TSelected;
}

export interface BlockingResult<TData> extends ViewResult<TData> {
  /** The last query timed out without a newer state. */
  readonly notModified: boolean;
}

const BLOCKING_IDLE: BlockingResult<never> = Object.freeze({ ...IDLE, notModified: false });
const BLOCKING_LOADING: BlockingResult<never> = Object.freeze({ ...LOADING, notModified: false });

/**
 * Consul-style blocking queries against the shared view (SPEC H3): each result is published to
 * the component and its index becomes the next query's `minIndex`, exactly as Consul's agent
 * cache refreshes a blocking query. Stops on a terminal error, and — with an error naming
 * SPEC M8 — on a fetch that answers at once with an index not above the `minIndex` it asked
 * for (re-issuing it would be a busy loop that never yields to the event loop).
 */
export function useBlockingQuery<TResult, TSelected = TResult>(
  request: MaterializedRequest<TResult> | null | undefined,
  options: BlockingOptions<TResult, TSelected> = {},
): BlockingResult<TSelected> {
  return useBlockingLoop((options.enabled ?? true) ? (request ?? null) : null, options);
}

/** @internal The loop behind {@link useBlockingQuery} and `useMaterializedView`'s blocking mode. */
export function useBlockingLoop<TResult, TSelected>(
  request: MaterializedRequest<TResult> | null,
  options: BlockingOptions<TResult, TSelected>,
): BlockingResult<TSelected> {
  const registry = useMaterializerRegistry();
  const key = request?.key;
  // Each result is tagged with the registry and key it belongs to: after a request change, the
  // previous key's data is never shown as the new key's (SPEC H2).
  const [published, setPublished] = useState<Published<TSelected> | undefined>(undefined);
  const { minIndex = 0n, timeoutMs } = options;
  // The latest `select`, read per result: a new function each render must not restart the loop.
  const selectRef = useRef(options.select);
  selectRef.current = options.select;
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by request.key; select read per result
  useEffect(() => {
    if (!request) return;
    const controller = new AbortController();
    const { signal } = controller;
    let resets = 0;
    const publish = (r: FetchResult<TResult>, status: ViewResult<TSelected>["status"]) => {
      if (r.reset) resets++;
      const data =
        r.value === undefined
          ? undefined
          : selectRef.current
            ? selectRef.current(r.value)
            : (r.value as unknown as TSelected);
      setPublished({
        registry,
        key,
        result: {
          data,
          index: r.index,
          status,
          error: r.error,
          isLoading: isLoadingState(r),
          resets,
          notModified: r.notModified ?? false,
        },
      });
    };
    (async () => {
      let next = minIndex;
      while (!signal.aborted) {
        const r = await registry
          .get(request, { minIndex: next, timeoutMs, signal })
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
    })();
    return () => controller.abort();
  }, [registry, key, minIndex, timeoutMs]);
  if (published && published.registry === registry && published.key === key) {
    return published.result;
  }
  return request ? BLOCKING_LOADING : BLOCKING_IDLE;
}

function stuckMessage(minIndex: bigint, index: bigint): string {
  return (
    `useBlockingQuery: a blocking fetch with minIndex ${minIndex} answered at once with index ` +
    `${index}, which is not newer (SPEC M8: it must wait for an index above minIndex); the ` +
    "query loop stopped instead of re-issuing it in a busy loop"
  );
}

/** A published result and the request it answers. */
interface Published<TSelected> {
  readonly registry: MaterializerRegistry;
  readonly key: string | undefined;
  readonly result: BlockingResult<TSelected>;
}
