import type { Transport } from "@connectrpc/connect";
import { type ReactNode, useEffect, useState } from "react";
import {
  type DehydratedState,
  type Logger,
  MaterializerRegistry,
  type RetryWaiterOptions,
} from "../core/index.js";
import { scheduleTask } from "../core/schedule-task.js";
import { RegistryContext } from "./registry-context.js";

export interface MaterializerProviderProps {
  /** A Connect transport; the provider creates and owns a registry over it. */
  readonly transport?: Transport;
  /** Or a registry the app created (the provider then neither creates nor disposes one). */
  readonly registry?: MaterializerRegistry;
  /** Idle TTL of unreferenced views (default 5 minutes). */
  readonly idleTtlMs?: number;
  readonly logger?: Logger;
  readonly retry?: RetryWaiterOptions;
  /** The transport's base URL, for the HTTP/1.1 connection-budget warning (SPEC H6). */
  readonly baseUrl?: string;
  /** Snapshots from `registry.dehydrate()` on the server: hydration shows them, then goes live. */
  readonly dehydratedState?: DehydratedState;
  readonly children?: ReactNode;
}

/**
 * Owns one {@link MaterializerRegistry} for its subtree (SPEC H1): views are shared by request
 * key, kept for the idle TTL after the last component lets go, and all closed when the provider
 * unmounts. Safe under StrictMode: the simulated unmount does not dispose the registry, so no
 * stream is torn down and rebuilt.
 *
 * @example
 * ```tsx
 * const transport = createConnectTransport({ baseUrl: "https://consul.example.com" });
 *
 * function App() {
 *   return (
 *     <MaterializerProvider transport={transport}>
 *       <ServiceHealth name="web" />
 *     </MaterializerProvider>
 *   );
 * }
 * ```
 */
export function MaterializerProvider(props: MaterializerProviderProps): ReactNode {
  const {
    registry: external,
    transport,
    idleTtlMs,
    logger,
    retry,
    dehydratedState,
    baseUrl,
    children,
  } = props;
  const [owned] = useState(() => {
    if (external) return null;
    if (!transport) {
      throw new Error(
        "MaterializerProvider needs a `transport` (createConnectTransport({ baseUrl })) or a `registry`",
      );
    }
    return new MaterializerRegistry({
      transport,
      idleTtlMs,
      logger,
      retry,
      dehydratedState,
      baseUrl,
    });
  });
  useEffect(() => {
    if (!owned) return;
    // A token per mount: a later mount replaces it, which cancels this mount's disposal.
    const mount = {};
    lifetimes.set(owned, mount);
    return () => {
      // StrictMode unmounts and remounts at once: dispose only if no remount followed.
      scheduleTask(() => {
        if (lifetimes.get(owned) === mount) owned.dispose();
      });
    };
  }, [owned]);
  return <RegistryContext.Provider value={external ?? owned}>{children}</RegistryContext.Provider>;
}

const lifetimes = new WeakMap<MaterializerRegistry, object>();
