/**
 * The TanStack adapter's bookkeeping (SPEC Q1, R5): which registry entry each cached query
 * follows. A query belongs to one query client, and its follower records its registry, so the
 * bookkeeping is per query client AND registry.
 */
import type { Query, QueryClient, QueryKey } from "@tanstack/react-query";
import type { Lease, MaterializedRequest, MaterializerRegistry } from "../core/index.js";
import { subscribeCoalesced } from "../core/schedule-task.js";

interface Follower {
  readonly registry: MaterializerRegistry;
  readonly lease: Lease<unknown>;
  /** Stops pushing states into the query and drops the registry reference at once. */
  readonly close: () => void;
}

/**
 * The follower of each cached query (keyed by the `Query` object, whatever its type
 * parameters); weak, so a query the cache dropped takes nothing along.
 */
const followers = new WeakMap<object, Follower>();
/** Query clients whose cache is watched for removals (one listener per client). */
const watched = new WeakSet<QueryClient>();

/**
 * Whether `query` is kept current by a live stream of `registry`. Not when its stream stopped
 * on a terminal error: the next fetch must subscribe afresh (R5).
 */
function isFollowed(query: object, registry: MaterializerRegistry): boolean {
  const follower = followers.get(query);
  return (
    follower !== undefined && follower.registry === registry && !follower.lease.materializer.stopped
  );
}

/**
 * Makes the cached query of `queryKey` follow the request's entry in `registry` until TanStack
 * removes the query: every new state is pushed into the cache. Idempotent while the follower is
 * live (a refetch opens no second stream); a follower of another registry, or one whose stream
 * stopped, is closed first, so its stopped entry is evicted and `acquire` starts a fresh one.
 * Returns `undefined` when the query is not in the cache (nothing to follow into).
 */
export function follow<TResult>(
  client: QueryClient,
  registry: MaterializerRegistry,
  request: MaterializedRequest<TResult>,
  queryKey: QueryKey,
): Lease<TResult> | undefined {
  const query = findQuery(client, queryKey);
  if (!query) return undefined;
  const existing = followers.get(query);
  if (existing && isFollowed(query, registry)) return existing.lease as Lease<TResult>;
  if (existing) {
    followers.delete(query);
    existing.close();
  }
  watchRemovals(client);

  const lease = registry.acquire(request);
  const materializer = lease.materializer;
  let last = materializer.getSnapshot();
  const push = () => {
    const state = materializer.getSnapshot();
    if (state === last) return;
    last = state;
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
  followers.set(query, {
    registry,
    lease: lease as Lease<unknown>,
    close: () => {
      unsubscribe();
      // The query cache's gcTime was the TTL: close the stream now, not after a second TTL.
      lease.release({ evict: true });
    },
  });
  return lease;
}

/** The cached query of `queryKey`, by its hash (O(1)); a linear search only as a fallback. */
function findQuery(client: QueryClient, queryKey: QueryKey): Query | undefined {
  const cache = client.getQueryCache();
  return (
    cache.get(client.defaultQueryOptions({ queryKey }).queryHash) ??
    cache.find({ queryKey, exact: true })
  );
}

function watchRemovals(client: QueryClient): void {
  if (watched.has(client)) return;
  watched.add(client);
  client.getQueryCache().subscribe((event) => {
    if (event.type !== "removed") return;
    const follower = followers.get(event.query);
    if (!follower) return;
    followers.delete(event.query);
    follower.close();
  });
}
