/** useRegistrySnapshot: the registry's entries, live, for devtools (useSyncExternalStore). */
import { useContext, useSyncExternalStore } from "react";
import type { MaterializerRegistry, RegistrySnapshot } from "../core/index.js";
import { RegistryContext } from "../react/registry-context.js";
import { inspectRegistry } from "./registry-inspection.js";

const NONE: RegistrySnapshot = Object.freeze([]);
const noSubscribe = () => () => {};
const none = () => NONE;

/**
 * The entries of `registry` (default: the nearest `MaterializerProvider`'s) as
 * `inspectRegistry(registry).getSnapshot()` reports them, re-rendering at most once per task when they change. No
 * token is ever in them (SPEC R1). Without a registry it returns an empty list.
 */
export function useRegistrySnapshot(registry?: MaterializerRegistry): RegistrySnapshot {
  const fromContext = useContext(RegistryContext);
  const target = registry ?? fromContext;
  const inspection = target ? inspectRegistry(target) : undefined;
  return useSyncExternalStore(
    inspection?.subscribe ?? noSubscribe,
    inspection?.getSnapshot ?? none,
    inspection?.getSnapshot ?? none,
  );
}
