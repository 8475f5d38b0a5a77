/**
 * `inspectRegistry(registry)`: the registry's snapshot API (SPEC E devtools, R1) — what a
 * registry holds as an immutable array of plain, JSON-safe objects that never carry a token, with
 * a `subscribe`/`getSnapshot` pair for `useSyncExternalStore`. Built here, on the registry's
 * small internal hook (entries + a change observer), so the root entry ships none of it.
 */

import type { MaterializerState, RegistryEntrySnapshot, RegistrySnapshot } from "../core/index.js";
import { Listeners } from "../core/listeners.js";
import type { MaterializerRegistry } from "../core/materializer-registry.js";
import { OBSERVE_ENTRIES } from "../core/observe-entries.js";
import type { RegistryEntry } from "../core/registry-entry.js";
import { scheduleTask } from "../core/schedule-task.js";
import { describeEntry, type EntryDescription } from "./entry-description.js";

/** A registry's live snapshot store, as `inspectRegistry` returns it. */
export interface RegistryInspection {
  /**
   * One frozen, JSON-safe object per entry (request, subscribers, status, index, events
   * applied, resets, idle TTL, last error), never a token (SPEC R1). The same array until
   * something changes: `useSyncExternalStore`'s `getSnapshot`.
   */
  readonly getSnapshot: () => RegistrySnapshot;
  /**
   * Calls `listener` (at most once per task) when `getSnapshot`'s answer changes; returns the
   * unsubscribe. Materializers are watched only while someone subscribes.
   */
  readonly subscribe: (listener: () => void) => () => void;
}

const inspections = new WeakMap<MaterializerRegistry, RegistryInspection>();

/**
 * The snapshot API of `registry` (one per registry: every call answers the same object). It
 * replaces `registry.inspect()` / `registry.subscribeInspect`, which moved here so that apps
 * that never inspect do not ship inspection.
 *
 * @example
 * ```ts
 * const { subscribe, getSnapshot } = inspectRegistry(registry);
 * const rows = useSyncExternalStore(subscribe, getSnapshot);
 * ```
 */
export function inspectRegistry(registry: MaterializerRegistry): RegistryInspection {
  let inspection = inspections.get(registry);
  if (!inspection) {
    inspection = new Inspection(registry);
    inspections.set(registry, inspection);
  }
  return inspection;
}

/** What the inspection remembers per entry: its description and the state last reported. */
interface Seen {
  readonly description: EntryDescription;
  readonly redact: (message: string) => string;
  state?: MaterializerState<unknown>;
  streamOpen?: boolean;
}

/**
 * The registry calls `changed()` when entries come, go, or change hands; a materializer's own
 * updates are observed only while someone subscribes (listeners on the materializers, coalesced
 * to one notification per task, SPEC H5). With nobody subscribed nothing runs per event;
 * `getSnapshot()` then checks each entry's state object (identity-stable, SPEC M9) and rebuilds
 * only when one changed.
 */
class Inspection implements RegistryInspection {
  readonly #entries: () => Iterable<RegistryEntry>;
  readonly #registry: MaterializerRegistry;
  readonly #listeners = new Listeners();
  readonly #watched = new Map<RegistryEntry, () => void>();
  readonly #seen = new WeakMap<RegistryEntry, Seen>();
  #snapshot: RegistrySnapshot | undefined;
  #scheduled = false;

  constructor(registry: MaterializerRegistry) {
    this.#registry = registry;
    this.#entries = registry[OBSERVE_ENTRIES]({
      added: (entry) => {
        if (this.#listeners.size > 0) this.#watch(entry);
        this.#changed();
      },
      removed: (entry) => {
        this.#watched.get(entry)?.();
        this.#watched.delete(entry);
        this.#changed();
      },
      changed: () => this.#changed(),
    });
  }

  readonly #changed = (): void => {
    this.#snapshot = undefined;
    if (this.#scheduled || this.#listeners.size === 0) return;
    this.#scheduled = true;
    scheduleTask(this.#flush);
  };

  readonly #flush = (): void => {
    this.#scheduled = false;
    // The materializers' listener list: one added or removed while notified waits for the next
    // round, one that throws starves no other (SPEC M9, R6). Once per task at most.
    this.#listeners.notify();
  };

  readonly subscribe = (listener: () => void): (() => void) => {
    const first = this.#listeners.size === 0;
    // Each subscription is its own (Listeners): the same function subscribed twice is called twice.
    const unsubscribe = this.#listeners.subscribe(listener);
    if (first) for (const entry of this.#entries()) this.#watch(entry);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      unsubscribe();
      if (this.#listeners.size > 0) return;
      for (const stop of this.#watched.values()) stop();
      this.#watched.clear();
    };
  };

  readonly getSnapshot = (): RegistrySnapshot => {
    if (this.#snapshot && this.#fresh()) return this.#snapshot;
    const entries: RegistryEntrySnapshot[] = [];
    for (const entry of this.#entries()) entries.push(this.#entrySnapshot(entry));
    this.#snapshot = Object.freeze(entries);
    return this.#snapshot;
  };

  #entrySnapshot(entry: RegistryEntry): RegistryEntrySnapshot {
    const seen = this.#describe(entry);
    const state = entry.materializer.getSnapshot();
    seen.state = state;
    seen.streamOpen = entry.materializer.streamOpen;
    return Object.freeze({
      ...seen.description,
      subscribers: entry.refs,
      status: state.status,
      streamOpen: seen.streamOpen,
      index: state.index.toString(),
      eventsApplied: entry.materializer.eventsApplied,
      resets: state.resets,
      idleTtlMs: entry.idleTtlMs ?? this.#registry.idleTtlMs,
      idleExpiresAt: entry.idleExpiresAt,
      lastError: state.error ? seen.redact(state.error.message) : null,
    });
  }

  #describe(entry: RegistryEntry): Seen {
    let seen = this.#seen.get(entry);
    if (!seen) {
      seen = describeEntry(entry.request);
      this.#seen.set(entry, seen);
    }
    return seen;
  }

  /** Whether every entry's state is the one the last snapshot was built from. */
  #fresh(): boolean {
    for (const entry of this.#entries()) {
      const seen = this.#seen.get(entry);
      const { materializer } = entry;
      if (seen?.state !== materializer.getSnapshot() || seen.streamOpen !== materializer.streamOpen)
        return false;
    }
    return true;
  }

  #watch(entry: RegistryEntry): void {
    if (!this.#watched.has(entry))
      this.#watched.set(entry, entry.materializer.subscribe(this.#changed));
  }
}
