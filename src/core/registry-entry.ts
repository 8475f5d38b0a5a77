/**
 * The registry's shared types (SPEC R1–R6): an entry (one materializer per request key and the
 * references on it), the `Lease` a reader holds, the counts `stats()` reports and the observer
 * devtools attach. Types only.
 */
import type { Materializer } from "./materializer.js";
import type { MaterializedRequest } from "./types.js";

/** A reference on a registry entry; `release()` is idempotent. */
export interface Lease<TResult> {
  readonly materializer: Materializer<TResult>;
  /** The entry's key (token hashed). */
  readonly key: string;
  /**
   * Drops the reference. With `{ evict: true }` an entry nobody else holds is closed at once
   * instead of after the idle TTL (the TanStack adapter: the query cache's gcTime is the TTL).
   * With `{ keepStoppedMs }` an entry stopped by a terminal error stays that long for peeks
   * (a suspended render's retry must find the error, SPEC H2) instead of going at once (R5).
   * With `{ keepMs }` a live entry this release leaves unheld stays at least that long, this
   * once (a settled suspension's retry render must find it); its idle TTL is unchanged (R4).
   */
  release(options?: { evict?: boolean; keepStoppedMs?: number; keepMs?: number }): void;
  /**
   * Calls `callback` once when a new request replaced this lease's stopped entry with a fresh
   * one (R5: a refetch, another component), so a holder may acquire again and follow it.
   * Returns the unsubscribe.
   */
  onReplaced(callback: () => void): () => void;
}

export interface RegistryStats {
  readonly entries: number;
  /** References held (leases in flight, notify subscriptions, hooks). */
  readonly refs: number;
  /** Subscribe streams open right now. */
  readonly openStreams: number;
  /** `subscribe` listeners on the entries' materializers (hooks, `notify`, TanStack followers). */
  readonly listeners: number;
  /** Entry keys; tokens appear only as hashes (SPEC R1). */
  readonly keys: readonly string[];
}

/** One request key's shared materializer and the bookkeeping on it. */
export interface RegistryEntry {
  readonly key: string;
  readonly materializer: Materializer<unknown>;
  readonly controller: AbortController;
  refs: number;
  expiry: unknown;
  /** Stops of the entry's `notify` subscriptions, run on eviction (no listener survives). */
  readonly watchers: Set<() => void>;
  /** Holders to tell when a new request replaces this stopped entry (`Lease.onReplaced`). */
  readonly replaced: Set<() => void>;
  /** Whether `run` was started (a seeded entry waits, streamless, for its first reference). */
  started: boolean;
  /** A longer idle TTL asked for by a reader (`useMaterializedView`'s `idleTtlMs`). */
  idleTtlMs?: number;
  /** Stopped, unheld, kept a moment for a suspended render's retry (`keepStoppedMs`). */
  lingering?: boolean;
  /** The request it serves: devtools describe the entry from it (never its token, SPEC R1). */
  readonly request: MaterializedRequest<unknown>;
  /** When an unheld entry closes (epoch milliseconds); `null` while someone holds it (R4). */
  idleExpiresAt: number | null;
}

/**
 * Told when entries come, go or change hands (references, idle expiry): how
 * `react-submatview/devtools` follows a registry without the root entry shipping inspection.
 * Calls are synchronous and cheap; a materializer's own updates are not reported here.
 */
export interface EntryObserver {
  added(entry: RegistryEntry): void;
  removed(entry: RegistryEntry): void;
  changed(): void;
}
