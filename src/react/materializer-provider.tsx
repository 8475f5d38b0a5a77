import type { Transport } from "@connectrpc/connect";
import { type ReactNode, useEffect, useMemo, useRef } from "react";
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
 * A new `transport`, `idleTtlMs`, `baseUrl` or `retry` (compared field by field) replaces the
 * owned registry and disposes the old one, so the subtree follows the new backend: create the
 * transport once (module scope or `useMemo`), not in render. A new `logger` is simply used
 * from then on; `dehydratedState` is read once, when the registry is created.
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
  const { registry: external, transport, idleTtlMs, baseUrl, children } = props;
  // Equal inline options (`retry={{ factorMs: 1 }}`) keep their first identity: a parent
  // re-render must not replace the registry.
  const retry = useShallowStable(props.retry);
  // The logger is forwarded to the latest prop, so an inline logger never replaces the registry;
  // only the set of levels it has matters (the registry falls back to console.warn without warn).
  const logger = useRef(props.logger);
  logger.current = props.logger;
  const levels = loggerLevels(props.logger);
  // The seed is read once, by the registry it seeds; a new object later is not a new backend.
  const seed = useRef(props.dehydratedState);
  const owned = useMemo(() => {
    if (external) return null;
    if (!transport) {
      throw new Error(
        "MaterializerProvider needs a `transport` (createConnectTransport({ baseUrl })) or a `registry`",
      );
    }
    return new MaterializerRegistry({
      transport,
      idleTtlMs,
      logger: forwardingLogger(logger, levels),
      retry,
      dehydratedState: seed.current,
      baseUrl,
    });
  }, [external, transport, idleTtlMs, baseUrl, retry, levels]);
  useEffect(() => {
    if (!owned) return;
    // A token per mount: a later mount replaces it, which cancels this mount's disposal.
    const mount = {};
    lifetimes.set(owned, mount);
    return () => {
      // StrictMode unmounts and remounts at once: dispose only if no remount followed. A
      // replaced registry (new transport or options) never remounts, so it is disposed.
      scheduleTask(() => {
        if (lifetimes.get(owned) === mount) owned.dispose();
      });
    };
  }, [owned]);
  return <RegistryContext.Provider value={external ?? owned}>{children}</RegistryContext.Provider>;
}

const lifetimes = new WeakMap<MaterializerRegistry, object>();

/** `value`, or the previous value when every field is the same (one level deep). */
function useShallowStable<T extends object>(value: T | undefined): T | undefined {
  const ref = useRef(value);
  if (!shallowEqual(ref.current, value)) ref.current = value;
  return ref.current;
}

function shallowEqual<T extends object>(a: T | undefined, b: T | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const keys = Object.keys(a) as (keyof T)[];
  return keys.length === Object.keys(b).length && keys.every((k) => Object.is(a[k], b[k]));
}

const LEVELS = ["debug", "warn", "error"] as const;

/** Which levels a logger has, as a string (a memo dependency); "" for none. */
function loggerLevels(logger: Logger | undefined): string {
  return logger ? LEVELS.filter((level) => logger[level]).join(",") || "none" : "";
}

/** A logger with `levels` that calls the latest logger prop. */
function forwardingLogger(
  latest: { readonly current: Logger | undefined },
  levels: string,
): Logger | undefined {
  if (!levels) return undefined;
  const logger: Logger = {};
  for (const level of LEVELS) {
    if (levels.includes(level)) {
      logger[level] = (message, details) => latest.current?.[level]?.(message, details);
    }
  }
  return logger;
}
