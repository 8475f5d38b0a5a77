/**
 * `react-submatview`: React bindings (SPEC H) over the framework-free core, which is
 * re-exported here for convenience.
 */
export * from "../core/index.js";
export type { MaterializerProviderProps } from "./materializer-provider.js";
export { MaterializerProvider } from "./materializer-provider.js";
export { useMaterializerRegistry } from "./registry-context.js";
export type { BlockingOptions, BlockingResult } from "./use-blocking-query.js";
export { useBlockingQuery } from "./use-blocking-query.js";
export type { MaterializedViewOptions } from "./use-materialized-view.js";
export { useMaterializedView } from "./use-materialized-view.js";
export { ViewObserver } from "./view-observer.js";
export type { ViewResult } from "./view-result.js";
