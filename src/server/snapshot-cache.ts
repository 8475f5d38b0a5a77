/**
 * The event publisher's snapshot cache (SPEC S5, S7): one complete snapshot per (topic,
 * subject) buffer key, reused by later fresh subscriptions until its TTL ends, evicted when
 * its buffer goes away, its topic is refreshed or the publisher shuts down.
 */
import type { BufferItem } from "./event-buffer.js";
import type { Timers } from "./types.js";

interface CachedSnapshot {
  readonly head: BufferItem;
  readonly timer: unknown;
}

/** Cached snapshot heads by buffer key, each dropped by its own TTL timer. */
export class SnapshotCache {
  readonly #entries = new Map<string, CachedSnapshot>();
  readonly #ttlMs: number;
  readonly #timers: Timers;

  /** `ttlMs` 0 (or less) disables the cache. */
  constructor(ttlMs: number, timers: Timers) {
    this.#ttlMs = ttlMs;
    this.#timers = timers;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The cached snapshot's start for `key`, if there is one. */
  head(key: string): BufferItem | undefined {
    return this.#entries.get(key)?.head;
  }

  /** Caches a complete snapshot for `key`, unless caching is off or one is cached already. */
  offer(key: string, head: BufferItem): void {
    if (this.#ttlMs <= 0 || this.#entries.has(key)) return;
    const timer = this.#timers.setTimeout(() => this.#entries.delete(key), this.#ttlMs);
    this.#entries.set(key, { head, timer });
  }

  /** Drops the snapshot of `key` and its timer. */
  evict(key: string): void {
    const cached = this.#entries.get(key);
    if (!cached) return;
    this.#timers.clearTimeout(cached.timer);
    this.#entries.delete(key);
  }

  /** Drops every snapshot whose key starts with `prefix` ("" for all). */
  evictPrefix(prefix: string): void {
    for (const key of [...this.#entries.keys()]) if (key.startsWith(prefix)) this.evict(key);
  }
}
