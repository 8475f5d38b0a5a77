/**
 * The registry's entry table and lease bookkeeping (SPEC R4–R6): reference counts, idle TTL
 * expiry, stopped entries evicted, kept a moment for peeks or detached when a new request
 * replaces them, and the stream start that evicts an entry a terminal error stopped.
 */
import type { Materializer } from "./materializer.js";
import type { EntryObserver, Lease, RegistryEntry, RegistryStats } from "./registry-entry.js";
import type { Logger, Timers } from "./types.js";

/** The longest delay a timer holds: browsers and Node run a longer one after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface RegistryEntriesOptions {
  /** The registry's idle TTL (R4); an entry's reader may ask for a longer one. */
  readonly idleTtlMs: number;
  readonly timers: Timers;
  readonly logger: Required<Logger>;
  /** Told when an entry's stream starts and when it stops (SPEC H6). */
  readonly budget: { started(): void; stopped(): void };
}

/**
 * Every entry a registry holds, by key, plus the stopped ones a new request replaced while
 * someone still held them (R5). Tells its `observers` (devtools, once attached) of every change.
 */
export class RegistryEntries {
  readonly #entries = new Map<string, RegistryEntry>();
  /** Stopped entries a new request replaced while someone still held them (R5). */
  readonly #detached = new Set<RegistryEntry>();
  readonly #options: RegistryEntriesOptions;
  /** Devtools' observers (`inspectRegistry`: one per registry and copy of the devtools module). */
  readonly observers = new Set<EntryObserver>();

  constructor(options: RegistryEntriesOptions) {
    this.#options = options;
  }

  get(key: string): RegistryEntry | undefined {
    return this.#entries.get(key);
  }

  values(): IterableIterator<RegistryEntry> {
    return this.#entries.values();
  }

  /** Puts a new entry in the table (it replaces nothing: callers check `get` first). */
  add(entry: RegistryEntry): void {
    this.#entries.set(entry.key, entry);
    for (const observer of this.observers) observer.added(entry);
  }

  /**
   * Takes a reference on `key`'s entry, adding `create()`'s on first use, starting its stream
   * and cancelling a pending expiry (R4).
   */
  acquire<TResult>(
    key: string,
    create: () => RegistryEntry,
    idleTtlMs: number | undefined,
  ): Lease<TResult> {
    let entry = this.#entries.get(key);
    // R5: a stopped entry is never handed to a new request (a refetch, a new component): it
    // starts afresh. Those who still hold the stopped one keep it, and its error, until they
    // let go; nobody holds one kept only for peeks.
    if (entry?.materializer.stopped) {
      if (entry.refs === 0) this.evict(entry);
      else {
        this.#entries.delete(entry.key);
        this.#detached.add(entry);
        for (const observer of this.observers) observer.removed(entry);
        for (const callback of [...entry.replaced]) callback();
        entry.replaced.clear();
      }
      entry = undefined;
    }
    if (!entry) {
      entry = create();
      this.add(entry);
    }
    const held = entry;
    held.refs++;
    // A reader may ask for a longer idle TTL than the registry's; the longest asked wins.
    if (idleTtlMs !== undefined && idleTtlMs > (held.idleTtlMs ?? this.#options.idleTtlMs)) {
      held.idleTtlMs = idleTtlMs;
    }
    if (!held.started) this.#start(held);
    if (held.expiry !== undefined) {
      this.#options.timers.clearTimeout(held.expiry);
      held.expiry = undefined;
    }
    held.idleExpiresAt = null;
    this.#changed();
    let released = false;
    return {
      materializer: held.materializer as Materializer<TResult>,
      key: held.key,
      release: (options) => {
        if (released) return;
        released = true;
        this.#release(held, options?.evict ?? false, options?.keepStoppedMs, options?.keepMs);
      },
      onReplaced: (callback) => {
        const once = () => callback();
        held.replaced.add(once);
        return () => held.replaced.delete(once);
      },
    };
  }

  #changed(): void {
    for (const observer of this.observers) observer.changed();
  }

  /** Views with a running stream: those the HTTP/1.1 budget may tell why they wait (H6). */
  *running(): Iterable<Materializer<unknown>> {
    for (const entry of this.#entries.values()) {
      if (entry.started && !entry.materializer.stopped) yield entry.materializer;
    }
  }

  stats(): RegistryStats {
    let refs = 0;
    let openStreams = 0;
    let listeners = 0;
    for (const entry of [...this.#entries.values(), ...this.#detached]) {
      refs += entry.refs;
      listeners += entry.materializer.listenerCount;
      if (entry.materializer.streamOpen) openStreams++;
    }
    return {
      entries: this.#entries.size,
      refs,
      openStreams,
      listeners,
      keys: [...this.#entries.keys()],
    };
  }

  /** Evicts every entry, detached ones included (R6). */
  dispose(): void {
    for (const entry of this.#entries.values()) this.evict(entry);
    for (const entry of this.#detached) this.evict(entry);
    this.#detached.clear();
  }

  #start(entry: RegistryEntry): void {
    const { budget, logger } = this.#options;
    entry.started = true;
    budget.started();
    entry.materializer
      .run(entry.controller.signal)
      .finally(() => budget.stopped())
      .then(
        () => {
          // Stopped by a terminal error (R5): evict once nobody holds it.
          if (entry.refs === 0 && !entry.lingering) this.evict(entry);
        },
        (error: unknown) =>
          logger.error("materializer crashed", { key: entry.key, error: String(error) }),
      );
  }

  #release(entry: RegistryEntry, evict: boolean, keepStoppedMs?: number, keepMs?: number): void {
    entry.refs--;
    this.#changed();
    if (entry.refs === 0 && this.#detached.delete(entry)) {
      this.evict(entry);
      return;
    }
    if (entry.refs > 0 || this.#entries.get(entry.key) !== entry) return;
    if (!evict && entry.materializer.stopped && keepStoppedMs !== undefined) {
      // A suspended mount keeps no state: its retry render peeks, and must find the error
      // rather than open a new stream and suspend again, once per round (SPEC H2, M6).
      entry.lingering = true;
      entry.expiry = this.#options.timers.setTimeout(() => {
        entry.expiry = undefined;
        if (entry.refs === 0) this.evict(entry);
      }, keepStoppedMs);
      return;
    }
    if (evict || entry.materializer.stopped) {
      this.evict(entry);
      return;
    }
    this.expireLater(entry, keepMs);
  }

  /**
   * Evicts an unreferenced entry after its idle TTL, or `atLeastMs` (R4); `acquire` cancels it.
   * `Infinity` keeps the entry until it is referenced again or the registry is disposed; a TTL
   * past what a timer can hold (2^31 - 1 ms, which browsers and Node take as 1 ms) is waited
   * out in steps.
   */
  expireLater(entry: RegistryEntry, atLeastMs = 0): void {
    const ttl = Math.max(entry.idleTtlMs ?? this.#options.idleTtlMs, atLeastMs);
    entry.idleExpiresAt = Date.now() + ttl;
    if (ttl !== Number.POSITIVE_INFINITY) this.#expireIn(entry, ttl);
  }

  #expireIn(entry: RegistryEntry, ms: number): void {
    const step = Math.min(ms, MAX_TIMER_MS);
    entry.expiry = this.#options.timers.setTimeout(() => {
      entry.expiry = undefined;
      // Re-check on expiry: a reference taken meanwhile keeps the entry (TanStack's optionalRemove).
      if (entry.refs !== 0) return;
      if (ms > step) this.#expireIn(entry, ms - step);
      else this.evict(entry);
    }, step);
  }

  evict(entry: RegistryEntry): void {
    // Out of the map first: releases by the watchers below then schedule no new expiry.
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
    if (entry.expiry !== undefined) this.#options.timers.clearTimeout(entry.expiry);
    entry.expiry = undefined;
    for (const stop of [...entry.watchers]) stop();
    entry.controller.abort();
    for (const observer of this.observers) observer.removed(entry);
  }
}
