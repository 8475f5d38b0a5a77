/** useRegistrySnapshot: the registry's entries, live, for devtools (useSyncExternalStore). */
import { useContext, useSyncExternalStore } from "react";
import type { MaterializerRegistry, RegistrySnapshot } from "../core/index.js";
import { RegistryContext } from "../react/registry-context.js";

const NONE: RegistrySnapshot = Object.freeze([]);
const noSubscribe = () => () => {};
const none = () => NONE;

/**
 * The entries of `registry` (default: the nearest `MaterializerProvider`'s) as
 * `registry.inspect()` reports them, re-rendering at most once per task when they change. No
 * token is ever in them (SPEC R1). Without a registry it returns an empty list.
 */
export function useRegistrySnapshot(registry?: MaterializerRegistry): RegistrySnapshot {
  const fromContext = useContext(RegistryContext);
  const target = registry ?? fromContext;
  return useSyncExternalStore(
    target?.subscribeInspect ?? noSubscribe,
    target?.inspect ?? none,
    target?.inspect ?? none,
  );
}
