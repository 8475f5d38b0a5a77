/**
 * The types of the registry's snapshot API (SPEC R1, E `react-submatview/devtools`): what a
 * registry holds, as plain, JSON-safe objects that never carry a token. Types only: the
 * snapshots are built by `react-submatview/devtools` (`inspectRegistry(registry)`), so an app
 * that never inspects ships none of it.
 */
import type { MaterializerStatus } from "./types.js";

/**
 * One registry entry, as `inspectRegistry(registry).getSnapshot()` reports it. Plain data:
 * `JSON.stringify` works.
 */
export interface RegistryEntrySnapshot {
  /** The entry's key: view type, datacenter, token *hash*, canonical request (SPEC R1). */
  readonly key: string;
  /** The view type (`service-health`, `service-list`, `keyed:…`). */
  readonly viewType: string;
  /** The topic's name, e.g. `ServiceHealth`. */
  readonly topic: string;
  /** The subject: the service name (`peer/name` with a peer), or `*` for a wildcard. */
  readonly subject: string;
  /** Datacenter, namespace and partition asked for (`""`: the server's default). */
  readonly datacenter: string;
  readonly namespace: string;
  readonly partition: string;
  /** Whether the request carries an ACL token; the token itself is never exposed. */
  readonly hasToken: boolean;
  /** The token's hash as it appears in `key` (`anonymous` without a token). */
  readonly tokenHash: string;
  /**
   * References held on the entry (SPEC R4): one for all the hooks of this request under one
   * provider (they share a lease), one per `notify` subscription, TanStack query and blocking
   * `get` in flight.
   */
  readonly subscribers: number;
  readonly status: MaterializerStatus;
  /** Whether a `Subscribe` stream is open right now. */
  readonly streamOpen: boolean;
  /** The published index as a decimal string (exact for any uint64, SPEC P4; JSON has no bigint). */
  readonly index: string;
  /** Events applied to the view since the entry was created (snapshot events included). */
  readonly eventsApplied: number;
  /** Times the view was thrown away and rebuilt from a new snapshot. */
  readonly resets: number;
  /** The entry's idle TTL (SPEC R4). */
  readonly idleTtlMs: number;
  /**
   * When an unreferenced entry closes (epoch milliseconds, as `Date.now()`); `null` while
   * someone holds it; `Infinity` for an idle TTL of `Infinity` (kept until referenced again or
   * disposed). Remaining TTL: `idleExpiresAt - Date.now()`.
   */
  readonly idleExpiresAt: number | null;
  /** The message of the last failure since the last update, with any token redacted. */
  readonly lastError: string | null;
}

/** What `inspectRegistry(registry).getSnapshot()` returns: one frozen object per entry, in creation order. */
export type RegistrySnapshot = readonly RegistryEntrySnapshot[];
