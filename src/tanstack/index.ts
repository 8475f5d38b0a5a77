/**
 * `react-submatview/tanstack`: the TanStack Query adapter (SPEC Q1).
 */

export type {
  MaterializedQueryKey,
  MaterializedQueryOptions,
} from "./materialized-view-query-options.js";
export { materializedViewQueryOptions } from "./materialized-view-query-options.js";
export { useMaterializedQuery } from "./use-materialized-query.js";
