/**
 * `MaterializerRegistry`: one shared materializer per request key (SPEC R1–R6), its public API
 * and the wiring of its parts: entry bookkeeping (`registry-entries.ts`), server-render seeds
 * (`dehydrated-seeds.ts`), `notify` (`notify-subscription.ts`) and the hook devtools observe
 * it through (inspection itself lives in `react-submatview/devtools`, so apps never ship it).
 */
import { createClient, type Transport } from "@connectrpc/connect";
import { StateChangeSubscription } from "../gen/index.js";
import { defaultTimers } from "./default-timers.js";
import { DehydratedSeeds, dehydrateEntries } from "./dehydrated-seeds.js";
import { MaterializerClosedError } from "./errors.js";
import { Materializer } from "./materializer.js";
import { notifySubscription } from "./notify-subscription.js";
import { OBSERVE_ENTRIES } from "./observe-entries.js";
import { RegistryEntries } from "./registry-entries.js";
import type { EntryObserver, Lease, RegistryEntry, RegistryStats } from "./registry-entry.js";
import { RetryWaiter, type RetryWaiterOptions } from "./retry-waiter.js";
import { safeLogger } from "./safe-logger.js";
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

export type { Lease, RegistryStats } from "./registry-entry.js";
export {
  CONNECTION_LIMIT_GRACE_MS,
  HTTP1_CONNECTIONS_PER_ORIGIN,
  HTTP1_STREAM_BUDGET,
} from "./stream-budget.js";

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
  readonly #entries: RegistryEntries;
  readonly #seeds: DehydratedSeeds;
  readonly #budget: StreamBudget;
  /** Whether the browser may queue a stream behind its HTTP/1.1 connections (H6, M6). */
  readonly #mayQueue = () => this.#budget.mayQueue;
  #disposed = false;

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
      views: () => this.#entries.running(),
    });
    this.#seeds = new DehydratedSeeds(options.dehydratedState, this.#logger);
    this.#entries = new RegistryEntries({
      idleTtlMs: this.#idleTtlMs,
      timers: this.#timers,
      logger: this.#logger,
      budget: this.#budget,
    });
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
    return this.#entries.acquire(request.key, () => this.#create(request), options.idleTtlMs);
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
   * to one call per burst, first as soon as a snapshot exists (R3). Holds a reference until
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
    const watchers = this.#entries.get(lease.key)?.watchers;
    return notifySubscription(lease, watchers, callback, signal);
  }

  /**
   * The current state of a request's entry without taking a reference (renders read it before
   * they subscribe): `undefined` when no entry exists.
   */
  peek<TResult>(request: MaterializedRequest<TResult>): MaterializerState<TResult> | undefined {
    let entry = this.#entries.get(request.key);
    // A dehydrated snapshot is materialized (without a stream) on first sight, so the first
    // client render shows what the server rendered: no flash on hydration.
    if (!entry && !this.#disposed && this.#seeds.has(request.key)) {
      entry = this.#create(request);
      this.#entries.add(entry);
      // Nobody holds it yet: it follows the idle TTL like any released entry (R4), so a key no
      // component subscribes to is dropped, and a subscribe within the TTL reuses it.
      this.#entries.expireLater(entry);
    }
    return (entry?.materializer as Materializer<TResult> | undefined)?.getSnapshot();
  }

  /**
   * JSON-safe snapshots of the entries whose views support it (SPEC H4): render on the server
   * after `get`, pass this to the client's provider, and the client starts from it.
   */
  dehydrate(): DehydratedState {
    return dehydrateEntries(this.#entries.values());
  }

  /**
   * Internal, for `react-submatview/devtools` (`inspectRegistry(registry)`): attaches an
   * observer told when entries come, go or change hands (one per copy of the devtools module),
   * and returns a reader of the live entries. Snapshots are built in devtools.
   */
  [OBSERVE_ENTRIES](observer: EntryObserver): () => Iterable<RegistryEntry> {
    this.#entries.observers.add(observer);
    return () => this.#entries.values();
  }

  stats(): RegistryStats {
    return this.#entries.stats();
  }

  /**
   * Stops every materializer and clears every timer (R6): blocking `get`s still waiting reject
   * with a {@link MaterializerClosedError}; later calls throw it.
   */
  dispose(): void {
    this.#disposed = true;
    this.#budget.dispose();
    this.#entries.dispose();
  }

  /** A new entry for `request`, seeded from a dehydrated snapshot if there is one (H4). */
  #create<TResult>(request: MaterializedRequest<TResult>): RegistryEntry {
    const materializer = new Materializer<TResult>({
      view: request.createView(),
      client: this.#client,
      request: (index) => request.subscribeRequest(index),
      logger: this.#logger,
      waiter: new RetryWaiter({ timers: this.#timers, ...this.#retry }),
      timers: this.#timers,
      handshakeTimeoutMs: this.#handshakeTimeoutMs,
      mayQueue: this.#mayQueue,
    });
    const entry: RegistryEntry = {
      key: request.key,
      materializer: materializer as Materializer<unknown>,
      controller: new AbortController(),
      refs: 0,
      expiry: undefined,
      watchers: new Set(),
      replaced: new Set(),
      started: false,
      request: request as MaterializedRequest<unknown>,
      idleExpiresAt: null,
    };
    this.#seeds.seed(request.key, materializer);
    return entry;
  }
}
