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
 * stream is torn down and rebuilt. Safe under a Suspense boundary above it: a first render React
 * throws away (a child suspended) is retried with the registry, and the stream, it started.
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
    const options = { idleTtlMs, baseUrl, retry, levels, seed: seed.current };
    // A render React threw away (a child suspended on the first mount, the Suspense boundary
    // above this provider) is retried from scratch: it must find the registry, and the stream,
    // the discarded render started, or every retry opens a stream and suspends again (SPEC H1).
    // Not on the server: there no render commits, and one request's registry (its seed, its
    // entries) must never serve another's (SPEC H4); nothing suspends there either.
    const pool = typeof window === "undefined" ? undefined : uncommitted;
    const pending = pool?.get(transport) ?? [];
    const found = pending.find((p) => sameOptions(p.options, options));
    if (found) return found.registry;
    // Set right below, on every render: the registry always logs to the latest prop.
    const logger: { current: Logger | undefined } = { current: undefined };
    const registry = new MaterializerRegistry({
      transport,
      idleTtlMs,
      logger: forwardingLogger(logger, levels),
      retry,
      dehydratedState: seed.current,
      baseUrl,
    });
    loggers.set(registry, logger);
    if (!pool) return registry;
    pool.set(transport, [...pending, { registry, options }]);
    committers.set(registry, () => {
      const rest = (uncommitted.get(transport) ?? []).filter((p) => p.registry !== registry);
      if (rest.length > 0) uncommitted.set(transport, rest);
      else uncommitted.delete(transport);
    });
    return registry;
  }, [external, transport, idleTtlMs, baseUrl, retry, levels]);
  const logger = owned && loggers.get(owned);
  if (logger) logger.current = props.logger;
  useEffect(() => {
    if (!owned) return;
    commit(owned);
    // One token per mount (two providers rendered together may share an uncommitted registry).
    const mount = {};
    const mounts = lifetimes.get(owned) ?? new Set<object>();
    lifetimes.set(owned, mounts);
    mounts.add(mount);
    return () => {
      mounts.delete(mount);
      // StrictMode unmounts and remounts at once: dispose only if no remount followed. A
      // replaced registry (new transport or options) never remounts, so it is disposed.
      scheduleTask(() => {
        if (mounts.size === 0) owned.dispose();
      });
    };
  }, [owned]);
  return <RegistryContext.Provider value={external ?? owned}>{children}</RegistryContext.Provider>;
}

/** The mounts of each owned registry: disposed when the last one goes (after a task). */
const lifetimes = new WeakMap<MaterializerRegistry, Set<object>>();

interface RegistryOptions {
  readonly idleTtlMs: number | undefined;
  readonly baseUrl: string | undefined;
  readonly retry: RetryWaiterOptions | undefined;
  readonly levels: string;
  readonly seed: DehydratedState | undefined;
}

/**
 * Registries created by a render that has not committed yet, per transport (weak: nothing is
 * kept once the transport goes). Committing takes a registry out; one whose render never
 * commits holds no stream past its idle TTL.
 */
const uncommitted = new WeakMap<
  Transport,
  readonly { readonly registry: MaterializerRegistry; readonly options: RegistryOptions }[]
>();

/** The logger holder each owned registry forwards to (the latest `logger` prop). */
const loggers = new WeakMap<MaterializerRegistry, { current: Logger | undefined }>();

/** Takes a registry out of {@link uncommitted}, once its provider has committed. */
const committers = new WeakMap<MaterializerRegistry, () => void>();

function commit(registry: MaterializerRegistry): void {
  committers.get(registry)?.();
  committers.delete(registry);
}

function sameOptions(a: RegistryOptions, b: RegistryOptions): boolean {
  return (
    a.idleTtlMs === b.idleTtlMs &&
    a.baseUrl === b.baseUrl &&
    shallowEqual(a.retry, b.retry) &&
    a.levels === b.levels &&
    a.seed === b.seed
  );
}

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
