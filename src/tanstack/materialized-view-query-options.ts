/**
 * `materializedViewQueryOptions`: TanStack Query options over a shared registry entry (SPEC Q1).
 */
import {
  type DataTag,
  type QueryFunctionContext,
  queryOptions,
  type UnusedSkipTokenOptions,
} from "@tanstack/react-query";
import {
  classifyFailure,
  type MaterializedRequest,
  type MaterializerRegistry,
} from "../core/index.js";
import { follow } from "./query-follower.js";

export interface MaterializedQueryOptions {
  /** The registry whose shared entry feeds the query (`useMaterializerRegistry()` or the app's). */
  readonly registry: MaterializerRegistry;
}

/**
 * The query key of a request: `["react-submatview", viewType, requestKey, registryId]`.
 * JSON-safe (no bigint), the token only as a hash (SPEC R1, Q1). The registry's id makes the
 * query per query client AND registry: a new registry (a provider remounted or given another
 * transport) is a new query, which opens that registry's stream.
 */
export type MaterializedQueryKey = readonly ["react-submatview", string, string, string];

/** A stable id per registry instance (as connect-query keys by transport, STYLE 4). */
const registryIds = new WeakMap<MaterializerRegistry, string>();
let nextRegistryId = 0;

function registryId(registry: MaterializerRegistry): string {
  let id = registryIds.get(registry);
  if (id === undefined) {
    id = `registry-${++nextRegistryId}`;
    registryIds.set(registry, id);
  }
  return id;
}

/** TanStack's default number of retries; a terminal error is never retried (SPEC M6, R5). */
const MAX_RETRIES = 3;

/**
 * TanStack Query options for a materialized view (SPEC Q1). The `queryFn` answers from the
 * shared registry entry (one stream with `useMaterializedView` users of the same request) and
 * starts following it: every new state is pushed into the cache with `setQueryData`, errors
 * become the query's `error`. The stream lives exactly as long as the query is cached — it is
 * released, and closed at once, when TanStack garbage-collects the query after `gcTime`, which
 * is the registry's idle TTL. With `staleTime: Infinity` a remount within `gcTime` refetches
 * nothing and still gets live updates, because the stream never stopped; a `refetch` of a live
 * query answers from it and opens nothing. After a terminal error a `refetch` or invalidation
 * is the next request of R5: it subscribes afresh, once — TanStack does not retry a terminal
 * error, so there is no retry storm.
 *
 * @example
 * ```tsx
 * const registry = useMaterializerRegistry();
 * const { data } = useQuery(materializedViewQueryOptions(serviceHealthRequest({ service: "web" }), { registry }));
 * ```
 */
export function materializedViewQueryOptions<TResult>(
  request: MaterializedRequest<TResult>,
  options: MaterializedQueryOptions,
  // Named, not inferred: the inferred type's `queryFn?: … | undefined` breaks users' useQuery()
  // under exactOptionalPropertyTypes (TS2769).
): UnusedSkipTokenOptions<TResult, Error, TResult, MaterializedQueryKey> & {
  queryKey: DataTag<MaterializedQueryKey, TResult, Error>;
} {
  const { registry } = options;
  const queryKey: MaterializedQueryKey = [
    "react-submatview",
    request.viewType,
    request.key,
    registryId(registry),
  ];
  return queryOptions({
    queryKey,
    queryFn: async (context: QueryFunctionContext<MaterializedQueryKey>): Promise<TResult> => {
      const lease = follow(context.client, registry, request, context.queryKey);
      const result = lease
        ? await lease.materializer.fetch({ signal: context.signal })
        : await registry.get(request, { signal: context.signal });
      if (result.error && result.value === undefined) throw result.error;
      return result.value as TResult;
    },
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: registry.idleTtlMs,
    retry: (failureCount, error) =>
      failureCount < MAX_RETRIES && classifyFailure(error) !== "terminal",
  });
}
