/**
 * The registry's public snapshot API (SPEC R1, E `react-submatview/devtools`): what a registry
 * holds, as an immutable array of plain, JSON-safe objects that never carry a token, with a
 * `subscribe`/`getSnapshot` pair for `useSyncExternalStore`. The inspector is built on it.
 */
import { Topic } from "../gen/index.js";
import { Listeners } from "./listeners.js";
import { scheduleTask } from "./schedule-task.js";
import { tokenHash } from "./token-hash.js";
import type { MaterializedRequest, MaterializerState, MaterializerStatus, View } from "./types.js";

/** One registry entry, as `registry.inspect()` reports it. Plain data: `JSON.stringify` works. */
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
  /** References held: hooks, `notify` subscriptions, blocking `get`s in flight (SPEC R4). */
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
   * someone holds it. Remaining TTL: `idleExpiresAt - Date.now()`.
   */
  readonly idleExpiresAt: number | null;
  /** The message of the last failure since the last update, with any token redacted. */
  readonly lastError: string | null;
}

/** What `registry.inspect()` returns: one object per entry, frozen, in creation order. */
export type RegistrySnapshot = readonly RegistryEntrySnapshot[];

/**
 * What the registry tracks per entry for inspection. Counting costs one addition per update
 * and no allocation; the snapshot is only built when someone asks for it.
 */
export class EntryTracker {
  eventsApplied = 0;
  idleExpiresAt: number | null = null;
  readonly #describe: Omit<
    RegistryEntrySnapshot,
    | "subscribers"
    | "status"
    | "streamOpen"
    | "index"
    | "eventsApplied"
    | "resets"
    | "idleTtlMs"
    | "idleExpiresAt"
    | "lastError"
  >;
  readonly #redact: (message: string) => string;

  constructor(request: MaterializedRequest<unknown>) {
    const req = request.subscribeRequest(0n);
    const named = req.Subject.case === "NamedSubject" ? req.Subject.value : undefined;
    const key = named?.Key || req.Key;
    const peer = named?.PeerName || req.PeerName;
    const token = req.Token;
    this.#describe = {
      key: request.key,
      viewType: request.viewType,
      topic: Topic[req.Topic] ?? String(req.Topic),
      subject: req.Subject.case === "WildcardSubject" ? "*" : peer ? `${peer}/${key}` : key,
      datacenter: req.Datacenter,
      namespace: named?.Namespace || req.Namespace,
      partition: named?.Partition || req.Partition,
      hasToken: token !== "",
      tokenHash: tokenHash(token),
    };
    // A server may echo a token in an error message: it never reaches the snapshot.
    this.#redact =
      token === "" ? (message) => message : (message) => message.split(token).join("[token]");
  }

  #seenState: MaterializerState<unknown> | undefined;
  #seenStreamOpen = false;

  /** Whether the last snapshot was built from this state. */
  seen(state: MaterializerState<unknown>, streamOpen: boolean): boolean {
    return state === this.#seenState && streamOpen === this.#seenStreamOpen;
  }

  /** The entry's snapshot now. */
  snapshot(entry: {
    readonly refs: number;
    readonly idleTtlMs: number;
    readonly state: MaterializerState<unknown>;
    readonly streamOpen: boolean;
  }): RegistryEntrySnapshot {
    const { state } = entry;
    this.#seenState = state;
    this.#seenStreamOpen = entry.streamOpen;
    return Object.freeze({
      ...this.#describe,
      subscribers: entry.refs,
      status: state.status,
      streamOpen: entry.streamOpen,
      index: state.index.toString(),
      eventsApplied: this.eventsApplied,
      resets: state.resets,
      idleTtlMs: entry.idleTtlMs,
      idleExpiresAt: this.idleExpiresAt,
      lastError: state.error ? this.#redact(state.error.message) : null,
    });
  }
}

/** Wraps `view` so that every successful update counts its events on `tracker`. */
export function countedView<TResult>(view: View<TResult>, tracker: EntryTracker): View<TResult> {
  const counted: View<TResult> = {
    atomicUpdates: view.atomicUpdates,
    update(events) {
      view.update(events);
      tracker.eventsApplied += events.length;
    },
    result: (index) => view.result(index),
    reset: () => view.reset(),
  };
  if (view.snapshotEvents) counted.snapshotEvents = () => view.snapshotEvents!();
  return counted;
}

/** What the inspection reads of a registry entry. */
export interface InspectedEntry {
  readonly refs: number;
  /** The entry's own idle TTL, when a reader asked for a longer one than the registry's. */
  readonly idleTtlMs?: number;
  readonly tracker: EntryTracker;
  readonly materializer: {
    getSnapshot(): MaterializerState<unknown>;
    readonly streamOpen: boolean;
    subscribe(listener: () => void): () => void;
  };
}

/**
 * The registry's snapshot store. The registry calls `changed()` when entries come, go, or
 * change hands; a materializer's own updates are observed only while someone subscribes
 * (listeners on the materializers, coalesced to one notification per task, SPEC H5). With
 * nobody subscribed nothing runs per event; `getSnapshot()` then checks each entry's state
 * object (identity-stable, SPEC M9) and rebuilds only when one changed.
 */
export class RegistryInspection<TEntry extends InspectedEntry> {
  readonly #entries: () => Iterable<TEntry>;
  readonly #defaultTtlMs: number;
  readonly #listeners = new Listeners();
  readonly #watched = new Map<TEntry, () => void>();
  #snapshot: RegistrySnapshot | undefined;
  #scheduled = false;

  constructor(entries: () => Iterable<TEntry>, defaultTtlMs: number) {
    this.#entries = entries;
    this.#defaultTtlMs = defaultTtlMs;
  }

  /** An entry was created: watched at once while someone inspects. */
  added(entry: TEntry): void {
    if (this.#listeners.size > 0) this.#watch(entry);
    this.changed();
  }

  /** An entry was evicted. */
  removed(entry: TEntry): void {
    this.#watched.get(entry)?.();
    this.#watched.delete(entry);
    this.changed();
  }

  changed = (): void => {
    this.#snapshot = undefined;
    if (this.#scheduled || this.#listeners.size === 0) return;
    this.#scheduled = true;
    scheduleTask(this.#flush);
  };

  readonly #flush = (): void => {
    this.#scheduled = false;
    this.#listeners.notify();
  };

  subscribe = (listener: () => void): (() => void) => {
    const first = this.#listeners.size === 0;
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

  getSnapshot = (): RegistrySnapshot => {
    if (this.#snapshot && this.#fresh()) return this.#snapshot;
    const entries: RegistryEntrySnapshot[] = [];
    for (const entry of this.#entries()) {
      entries.push(
        entry.tracker.snapshot({
          refs: entry.refs,
          idleTtlMs: entry.idleTtlMs ?? this.#defaultTtlMs,
          state: entry.materializer.getSnapshot(),
          streamOpen: entry.materializer.streamOpen,
        }),
      );
    }
    this.#snapshot = Object.freeze(entries);
    return this.#snapshot;
  };

  #fresh(): boolean {
    for (const entry of this.#entries()) {
      const { materializer, tracker } = entry;
      if (!tracker.seen(materializer.getSnapshot(), materializer.streamOpen)) return false;
    }
    return true;
  }

  #watch(entry: TEntry): void {
    if (!this.#watched.has(entry))
      this.#watched.set(entry, entry.materializer.subscribe(this.changed));
  }
}
