import {
  hashKey,
  type QueryClient,
  type QueryFunctionContext,
  queryOptions,
} from "@tanstack/react-query";
import type { Lease, MaterializedRequest, MaterializerRegistry } from "../core/index.js";
import { subscribeCoalesced } from "../core/schedule-task.js";

export interface MaterializedQueryOptions {
  /** The registry whose shared entry feeds the query (`useMaterializerRegistry()` or the app's). */
  readonly registry: MaterializerRegistry;
}

/** The query key of a request: JSON-safe (no bigint), the token only as a hash (SPEC R1, Q1). */
export type MaterializedQueryKey = readonly ["react-submatview", string, string];

/**
 * TanStack Query options for a materialized view (SPEC Q1). The `queryFn` answers from the
 * shared registry entry (one stream with `useMaterializedView` users of the same request) and
 * starts following it: every new state is pushed into the cache with `setQueryData`, errors
 * become the query's `error`. The stream lives exactly as long as the query is cached — it is
 * released, and closed at once, when TanStack garbage-collects the query after `gcTime`, which
 * is the registry's idle TTL. With `staleTime: Infinity` a remount within `gcTime` refetches
 * nothing and still gets live updates, because the stream never stopped.
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
) {
  const { registry } = options;
  const queryKey: MaterializedQueryKey = ["react-submatview", request.viewType, request.key];
  return queryOptions({
    queryKey,
    queryFn: async (context: QueryFunctionContext<MaterializedQueryKey>): Promise<TResult> => {
      const lease = follow(context.client, registry, request, context.queryKey);
      const result = await lease.materializer.fetch({ signal: context.signal });
      if (result.error && result.value === undefined) throw result.error;
      return result.value as TResult;
    },
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: registry.idleTtlMs,
  });
}

interface Follower {
  readonly lease: Lease<unknown>;
  readonly stop: () => void;
}

interface ClientFollowers {
  readonly byHash: Map<string, Follower>;
  readonly unsubscribeCache: () => void;
}

/** Per query client: the queries that follow a registry entry (one cache listener per client). */
const clients = new WeakMap<QueryClient, ClientFollowers>();

/**
 * Makes the query follow its registry entry until TanStack removes the query from the cache.
 * Idempotent per query: a refetch reuses the follower.
 */
function follow<TResult>(
  client: QueryClient,
  registry: MaterializerRegistry,
  request: MaterializedRequest<TResult>,
  queryKey: MaterializedQueryKey,
): Lease<TResult> {
  let followers = clients.get(client);
  if (!followers) {
    const byHash = new Map<string, Follower>();
    const unsubscribeCache = client.getQueryCache().subscribe((event) => {
      if (event.type !== "removed") return;
      const follower = byHash.get(event.query.queryHash);
      if (!follower) return;
      byHash.delete(event.query.queryHash);
      follower.stop();
      // gcTime was the TTL: close the stream now rather than start a second one.
      follower.lease.release({ evict: true });
    });
    followers = { byHash, unsubscribeCache };
    clients.set(client, followers);
  }
  const hash = hashKey(queryKey);
  const existing = followers.byHash.get(hash);
  if (existing) return existing.lease as Lease<TResult>;

  const lease = registry.acquire(request);
  const materializer = lease.materializer;
  let last = materializer.getSnapshot();
  const push = () => {
    const state = materializer.getSnapshot();
    if (state === last) return;
    last = state;
    const query = client.getQueryCache().find({ queryKey, exact: true });
    if (!query) return;
    if (state.error) {
      // Keep the last good data; surface the failure as the query's error (SPEC Q1).
      query.setState({
        error: state.error,
        errorUpdatedAt: Date.now(),
        status: "error",
        fetchStatus: "idle",
      });
    } else if (state.index > 0n) {
      client.setQueryData(queryKey, state.value);
    }
  };
  const unsubscribe = subscribeCoalesced(materializer.subscribe, push);
  followers.byHash.set(hash, {
    lease: lease as Lease<unknown>,
    stop: unsubscribe,
  });
  return lease;
}
