import { createClient, type Transport } from "@connectrpc/connect";
import { StateChangeSubscription } from "../gen/index.js";
import { defaultTimers } from "./default-timers.js";
import { type DehydratedEntry, decodeSnapshot, encodeSnapshot } from "./dehydration.js";
import { MaterializerClosedError } from "./errors.js";
import { Materializer } from "./materializer.js";
import {
  countedView,
  EntryTracker,
  RegistryInspection,
  type RegistrySnapshot,
} from "./registry-snapshot.js";
import { RetryWaiter, type RetryWaiterOptions } from "./retry-waiter.js";
import { safeLogger } from "./safe-logger.js";
import { scheduleTask, subscribeCoalesced } from "./schedule-task.js";
import { StreamBudget } from "./stream-budget.js";
import type {
  DehydratedState,
  FetchOptions,
  FetchResult,
  Logger,
  MaterializedRequest,
  MaterializerState,
  StreamClient,
  Timers,
} from "./types.js";

export interface MaterializerRegistryOptions {
  /** A Connect transport (connect-web in browsers, connect-node in Node). */
  readonly transport?: Transport;
  /** Or any stream client (tests, custom transports). */
  readonly client?: StreamClient;
  /** How long an unreferenced entry keeps its stream open (default 5 minutes, SPEC R4). */
  readonly idleTtlMs?: number;
  readonly logger?: Logger;
  readonly timers?: Timers;
  /** Backoff of every materializer (SPEC M7). */
  readonly retry?: RetryWaiterOptions;
  /** Each materializer's handshake deadline (M2, M6; default `HANDSHAKE_TIMEOUT_MS`, 10 s). */
  readonly handshakeTimeoutMs?: number;
  /** Snapshots from a server render: matching requests start from them and resume (SPEC H4). */
  readonly dehydratedState?: DehydratedState;
  /**
   * The transport's base URL, for the connection-budget warning (SPEC H6): over `http:` a
   * browser opens at most 6 connections per origin and each live stream holds one.
   */
  readonly baseUrl?: string;
}

export {
  CONNECTION_LIMIT_GRACE_MS,
  HTTP1_CONNECTIONS_PER_ORIGIN,
  HTTP1_STREAM_BUDGET,
} from "./stream-budget.js";

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

interface Entry {
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
  /** What `inspect()` reports of the entry (counters, request description, idle expiry). */
  readonly tracker: EntryTracker;
}

export const DEFAULT_IDLE_TTL_MS = 5 * 60_000;

/**
 * Shares one materializer per request key among every reader (SPEC R1–R6; Consul's
 * `submatview.Store`). Each `get` in flight, each `notify` and each hook holds a reference; an
 * entry whose count drops to 0 keeps streaming for `idleTtlMs` and is then closed, unless it is
 * referenced again first (its data is then served at once). An entry stopped by a terminal
 * error is evicted as soon as nobody holds it, so the next request starts afresh.
 */
export class MaterializerRegistry {
  readonly #client: StreamClient;
  readonly #idleTtlMs: number;
  readonly #logger: Required<Logger>;
  readonly #timers: Timers;
  readonly #retry: RetryWaiterOptions | undefined;
  readonly #handshakeTimeoutMs: number | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #dehydrated: Map<string, DehydratedEntry>;
  readonly #budget: StreamBudget;
  /** Whether the browser may queue a stream behind its HTTP/1.1 connections (H6, M6). */
  readonly #mayQueue = () => this.#budget.mayQueue;
  #disposed = false;
  /** Stopped entries a new request replaced while someone still held them (R5). */
  readonly #detached = new Set<Entry>();
  readonly #inspection: RegistryInspection<Entry>;

  constructor(options: MaterializerRegistryOptions) {
    const client =
      options.client ??
      (options.transport && createClient(StateChangeSubscription, options.transport));
    if (!client)
      throw new Error(
        "MaterializerRegistry needs a `transport` (e.g. createConnectTransport({ baseUrl })) or a `client`",
      );
    this.#client = client;
    this.#idleTtlMs = options.idleTtlMs ?? DEFAULT_IDLE_TTL_MS;
    this.#logger = safeLogger(options.logger);
    this.#timers = options.timers ?? defaultTimers;
    this.#retry = options.retry;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs;
    const hasWarn = options.logger?.warn !== undefined;
    this.#budget = new StreamBudget({
      baseUrl: options.baseUrl,
      warn: (message) => (hasWarn ? this.#logger.warn(message) : console.warn(message)),
      timers: this.#timers,
      views: () => this.#runningViews(),
    });
    this.#dehydrated = new Map((options.dehydratedState?.entries ?? []).map((e) => [e.key, e]));
    this.#inspection = new RegistryInspection(() => this.#entries.values(), this.#idleTtlMs);
  }

  get idleTtlMs(): number {
    return this.#idleTtlMs;
  }

  /**
   * Takes a reference on the request's entry, creating and starting its materializer on first
   * use and cancelling a pending expiry (R4).
   */
  acquire<TResult>(
    request: MaterializedRequest<TResult>,
    options: { idleTtlMs?: number } = {},
  ): Lease<TResult> {
    if (this.#disposed) throw new MaterializerClosedError("this MaterializerRegistry was disposed");
    let entry = this.#entries.get(request.key);
    // R5: a stopped entry is never handed to a new request (a refetch, a new component): it
    // starts afresh. Those who still hold the stopped one keep it, and its error, until they
    // let go; nobody holds one kept only for peeks.
    if (entry?.materializer.stopped) {
      if (entry.refs === 0) this.#evict(entry);
      else {
        this.#entries.delete(entry.key);
        this.#detached.add(entry);
        this.#inspection.removed(entry);
        for (const callback of [...entry.replaced]) callback();
        entry.replaced.clear();
      }
      entry = undefined;
    }
    entry ??= this.#create(request);
    entry.refs++;
    // A reader may ask for a longer idle TTL than the registry's; the longest asked wins.
    if (
      options.idleTtlMs !== undefined &&
      options.idleTtlMs > (entry.idleTtlMs ?? this.#idleTtlMs)
    ) {
      entry.idleTtlMs = options.idleTtlMs;
    }
    if (!entry.started) this.#start(entry);
    if (entry.expiry !== undefined) {
      this.#timers.clearTimeout(entry.expiry);
      entry.expiry = undefined;
    }
    entry.tracker.idleExpiresAt = null;
    this.#inspection.changed();
    let released = false;
    return {
      materializer: entry.materializer as Materializer<TResult>,
      key: entry.key,
      release: (options) => {
        if (released) return;
        released = true;
        this.#release(entry, options?.evict ?? false, options?.keepStoppedMs, options?.keepMs);
      },
      onReplaced: (callback) => {
        const once = () => callback();
        entry.replaced.add(once);
        return () => entry.replaced.delete(once);
      },
    };
  }

  /** A blocking-index query against the shared entry (R2): reference, fetch, release. */
  async get<TResult>(
    request: MaterializedRequest<TResult>,
    options: FetchOptions = {},
  ): Promise<FetchResult<TResult>> {
    const lease = this.acquire(request);
    try {
      return await lease.materializer.fetch(options);
    } finally {
      lease.release();
    }
  }

  /**
   * Calls back with the latest state whenever the index moves or an error surfaces, coalesced
   * to one call per task, first as soon as a snapshot exists (R3). Holds a reference until
   * `signal` aborts; the returned function also stops it.
   */
  notify<TResult>(
    request: MaterializedRequest<TResult>,
    callback: (state: MaterializerState<TResult>) => void,
    options: { signal?: AbortSignal } = {},
  ): () => void {
    const { signal } = options;
    if (signal?.aborted) return () => {};
    const lease = this.acquire(request);
    const materializer = lease.materializer;
    let delivered: MaterializerState<TResult> | undefined;
    let stopped = false;
    const deliver = () => {
      if (stopped) return;
      const state = materializer.getSnapshot();
      if (state.index === 0n && !state.error) return;
      if (delivered && delivered.index === state.index && delivered.error === state.error) return;
      delivered = state;
      callback(state);
    };
    const unsubscribe = subscribeCoalesced(materializer.subscribe, deliver);
    const watchers = this.#entries.get(lease.key)?.watchers;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      watchers?.delete(stop);
      signal?.removeEventListener("abort", stop);
      lease.release();
    };
    watchers?.add(stop);
    signal?.addEventListener("abort", stop, { once: true });
    // A snapshot may already exist (a shared entry): deliver it without waiting for a change.
    scheduleTask(deliver);
    return stop;
  }

  /**
   * The current state of a request's entry without taking a reference (renders read it before
   * they subscribe): `undefined` when no entry exists.
   */
  peek<TResult>(request: MaterializedRequest<TResult>): MaterializerState<TResult> | undefined {
    let entry = this.#entries.get(request.key);
    // A dehydrated snapshot is materialized (without a stream) on first sight, so the first
    // client render shows what the server rendered: no flash on hydration.
    if (!entry && !this.#disposed && this.#dehydrated.has(request.key)) {
      entry = this.#create(request);
      // Nobody holds it yet: it follows the idle TTL like any released entry (R4), so a key no
      // component subscribes to is dropped, and a subscribe within the TTL reuses it.
      this.#expireLater(entry);
    }
    return (entry?.materializer as Materializer<TResult> | undefined)?.getSnapshot();
  }

  /**
   * JSON-safe snapshots of the entries whose views support it (SPEC H4): render on the server
   * after `get`, pass this to the client's provider, and the client starts from it.
   */
  dehydrate(): DehydratedState {
    const entries: DehydratedEntry[] = [];
    for (const entry of this.#entries.values()) {
      const snapshot = entry.materializer.snapshotEvents();
      if (snapshot) entries.push(encodeSnapshot(entry.key, snapshot.events, snapshot.index));
    }
    return { entries };
  }

  /**
   * What the registry holds, for devtools and tests: one frozen, JSON-safe object per entry
   * (request, subscribers, status, index, events applied, resets, idle TTL, last error), never
   * a token (SPEC R1). The same array until something changes; `useSyncExternalStore`'s
   * `getSnapshot`, paired with {@link subscribeInspect}.
   *
   * @example
   * ```ts
   * const rows = useSyncExternalStore(registry.subscribeInspect, registry.inspect);
   * ```
   */
  readonly inspect = (): RegistrySnapshot => this.#inspection.getSnapshot();

  /**
   * Calls `listener` (at most once per task) when {@link inspect}'s answer changes; returns the
   * unsubscribe. Materializers are only watched while someone subscribes: nothing runs per
   * event otherwise.
   */
  readonly subscribeInspect = (listener: () => void): (() => void) =>
    this.#inspection.subscribe(listener);

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

  /**
   * Stops every materializer and clears every timer (R6): blocking `get`s still waiting reject
   * with a {@link MaterializerClosedError}; later calls throw it.
   */
  dispose(): void {
    this.#disposed = true;
    this.#budget.dispose();
    for (const entry of this.#entries.values()) this.#evict(entry);
    for (const entry of this.#detached) this.#evict(entry);
    this.#detached.clear();
  }

  #create<TResult>(request: MaterializedRequest<TResult>): Entry {
    const tracker = new EntryTracker(request as MaterializedRequest<unknown>);
    const materializer = new Materializer<TResult>({
      view: countedView(request.createView(), tracker),
      client: this.#client,
      request: (index) => request.subscribeRequest(index),
      logger: this.#logger,
      waiter: new RetryWaiter({ timers: this.#timers, ...this.#retry }),
      timers: this.#timers,
      handshakeTimeoutMs: this.#handshakeTimeoutMs,
      mayQueue: this.#mayQueue,
    });
    const seed = this.#dehydrated.get(request.key);
    if (seed) {
      this.#dehydrated.delete(request.key);
      try {
        const { events, index } = decodeSnapshot(seed);
        materializer.seed(events, index);
      } catch (error) {
        // A bad seed costs a fresh snapshot, nothing more.
        this.#logger.warn("ignoring an unreadable dehydrated snapshot", {
          key: request.key,
          error: String(error),
        });
      }
    }
    const entry: Entry = {
      key: request.key,
      materializer: materializer as Materializer<unknown>,
      controller: new AbortController(),
      refs: 0,
      expiry: undefined,
      watchers: new Set(),
      replaced: new Set(),
      started: false,
      tracker,
    };
    this.#entries.set(entry.key, entry);
    this.#inspection.added(entry);
    return entry;
  }

  /** Views with a running stream: those the HTTP/1.1 budget may tell why they wait (H6). */
  *#runningViews(): Iterable<Materializer<unknown>> {
    for (const entry of this.#entries.values()) {
      if (entry.started && !entry.materializer.stopped) yield entry.materializer;
    }
  }

  #start(entry: Entry): void {
    entry.started = true;
    this.#budget.started();
    entry.materializer
      .run(entry.controller.signal)
      .finally(() => this.#budget.stopped())
      .then(
        () => {
          // Stopped by a terminal error (R5): evict once nobody holds it.
          if (entry.refs === 0 && !entry.lingering) this.#evict(entry);
        },
        (error: unknown) =>
          this.#logger.error("materializer crashed", { key: entry.key, error: String(error) }),
      );
  }

  #release(entry: Entry, evict: boolean, keepStoppedMs?: number, keepMs?: number): void {
    entry.refs--;
    this.#inspection.changed();
    if (entry.refs === 0 && this.#detached.delete(entry)) {
      this.#evict(entry);
      return;
    }
    if (entry.refs > 0 || this.#entries.get(entry.key) !== entry) return;
    if (!evict && entry.materializer.stopped && keepStoppedMs !== undefined) {
      // A suspended mount keeps no state: its retry render peeks, and must find the error
      // rather than open a new stream and suspend again, once per round (SPEC H2, M6).
      entry.lingering = true;
      entry.expiry = this.#timers.setTimeout(() => {
        entry.expiry = undefined;
        if (entry.refs === 0) this.#evict(entry);
      }, keepStoppedMs);
      return;
    }
    if (evict || entry.materializer.stopped) {
      this.#evict(entry);
      return;
    }
    this.#expireLater(entry, keepMs);
  }

  /** Evicts an unreferenced entry after its idle TTL, or `atLeastMs` (R4); `acquire` cancels it. */
  #expireLater(entry: Entry, atLeastMs = 0): void {
    const ttl = Math.max(entry.idleTtlMs ?? this.#idleTtlMs, atLeastMs);
    entry.tracker.idleExpiresAt = Date.now() + ttl;
    entry.expiry = this.#timers.setTimeout(() => {
      entry.expiry = undefined;
      // Re-check on expiry: a reference taken meanwhile keeps the entry (TanStack's optionalRemove).
      if (entry.refs === 0) this.#evict(entry);
    }, ttl);
  }

  #evict(entry: Entry): void {
    // Out of the map first: releases by the watchers below then schedule no new expiry.
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
    if (entry.expiry !== undefined) this.#timers.clearTimeout(entry.expiry);
    entry.expiry = undefined;
    for (const stop of [...entry.watchers]) stop();
    entry.controller.abort();
    this.#inspection.removed(entry);
  }
}
