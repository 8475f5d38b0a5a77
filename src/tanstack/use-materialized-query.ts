import { type UseQueryResult, useQuery } from "@tanstack/react-query";
import type { MaterializedRequest } from "../core/index.js";
import { useMaterializerRegistry } from "../react/registry-context.js";
import { materializedViewQueryOptions } from "./materialized-view-query-options.js";

/**
 * `useQuery` over a materialized view, with the registry of the nearest
 * `MaterializerProvider` (SPEC Q1). Needs a `QueryClientProvider` too.
 */
export function useMaterializedQuery<TResult>(
  request: MaterializedRequest<TResult>,
): UseQueryResult<TResult, Error> {
  const registry = useMaterializerRegistry();
  return useQuery(materializedViewQueryOptions(request, { registry }));
}
