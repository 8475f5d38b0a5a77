/** The render wrapper: a `MaterializerProvider` over a given registry, for tests and stories. */
import type { ComponentType, ReactNode } from "react";
import type { MaterializerRegistry } from "../core/index.js";
import { MaterializerProvider } from "../react/index.js";

/**
 * A wrapper component for Testing Library's `render(ui, { wrapper })` and `renderHook(hook,
 * { wrapper })`: a `MaterializerProvider` over `registry`. The provider does not own the
 * registry; whoever created it disposes it (the kit's servers do so in `dispose()`).
 */
export function createWrapper(
  registry: MaterializerRegistry,
): ComponentType<{ children?: ReactNode }> {
  // Created once per kit object (not per render), so React keeps the subtree's state.
  // biome-ignore lint/correctness/noComponentHookFactories: one component per registry, by design
  return function SubmatviewTestProvider({ children }: { children?: ReactNode }) {
    return <MaterializerProvider registry={registry}>{children}</MaterializerProvider>;
  };
}
