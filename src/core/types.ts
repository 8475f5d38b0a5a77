import type { Event, SubscribeRequest } from "../gen/index.js";

/**
 * A local, materialized view of one subscription (SPEC V1). The materializer calls `update`
 * with the whole snapshot (possibly empty) first, then once per live wire event; each call gets
 * its own array, which the view may keep.
 */
export interface View<TResult> {
  /** Applies a group of events that share one index; throw to signal a protocol fault (M5). */
  update(events: readonly Event[]): void;
  /**
   * Optional: called by the materializer once per event as it arrives — a snapshot's events
   * before they are buffered — and for seeded events, before `update` sees them. A view may
   * replace parts of the event's payload with equal copies it would rather keep (the health
   * view keeps compact `CheckServiceNode`s); it must not change what the event means, nor throw.
   */
  prepare?(event: Event): void;
  /**
   * Declares that `update` is all-or-nothing: when it throws, the view is exactly as before
   * (check every event before changing anything). A fault must leave no trace (SPEC M5), so
   * for a view without this the materializer keeps a journal — the last snapshot and the live
   * updates since — and on a rejected update replays it into the reset view; it folds the
   * journal into `snapshotEvents()` once the journal outgrows it (O(1) amortised per update).
   * A view with neither builds its previous result before each update once its journal has
   * outgrown the snapshot (O(n) per update). Replay needs `update` to depend only on the
   * events. The built-in views are atomic.
   */
  readonly atomicUpdates?: boolean;
  /** The result at `index`; must not alias state that later updates mutate (M10). */
  result(index: bigint): TResult;
  /** Returns to the empty state. */
  reset(): void;
  /**
   * Optional: events that rebuild the current content as a snapshot (for SSR dehydration,
   * SPEC H4). Views without it are not dehydrated.
   */
  snapshotEvents?(): Event[];
}

/** A JSON-safe snapshot of registry entries, to seed a client registry after SSR (SPEC H4). */
export interface DehydratedState {
  readonly entries: ReadonlyArray<{
    /** The entry's key (tokens hashed). */
    readonly key: string;
    /** The snapshot index, as a decimal string (JSON has no bigint). */
    readonly index: string;
    /** The snapshot as a binary `subscribe.EventBatch`, base64. */
    readonly events: string;
  }>;
}

/** Anything that can open a `Subscribe` stream; a Connect client for the service satisfies it. */
export interface StreamClient {
  subscribe(request: SubscribeRequest, options: StreamCallOptions): AsyncIterable<Event>;
}

/** The call options the materializer passes (a subset of Connect's `CallOptions`). */
export interface StreamCallOptions {
  readonly signal: AbortSignal;
  /**
   * Called with the response headers before the first event, when the client can tell (a
   * Connect client does). A server that flushes its headers once it accepted the subscription
   * lets a quiet resumed stream show `live` (SPEC M4, M6), and a stream it never answers be
   * aborted by the handshake deadline (M2).
   */
  readonly onHeader?: (header: Headers) => void;
}

/** Optional logging; tokens never reach it. */
export interface Logger {
  debug?(message: string, details?: Record<string, unknown>): void;
  warn?(message: string, details?: Record<string, unknown>): void;
  error?(message: string, details?: Record<string, unknown>): void;
}

/** Injectable timers (fake clocks in tests). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type MaterializerStatus = "connecting" | "live" | "reconnecting" | "failed";

/**
 * What `getSnapshot()` returns (M9): immutable, and the same object until something changes.
 * `value` and `index` always describe the same state.
 */
export interface MaterializerState<TResult> {
  readonly status: MaterializerStatus;
  /** The view's result at `index`; `undefined` until the first complete snapshot. */
  readonly value: TResult | undefined;
  /** Index of `value`; 0 until the first complete snapshot. */
  readonly index: bigint;
  /** The last failure since the last successful update, if any. */
  readonly error: Error | undefined;
  /** How many times the view was thrown away and rebuilt from a new snapshot. */
  readonly resets: number;
}

export interface FetchOptions {
  /** Return once the index is above this (a blocking-index query); 0 returns any snapshot. */
  readonly minIndex?: bigint;
  /** Give up waiting after this long and return `notModified`; default: wait forever. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** The answer to a blocking-index query (M8). */
export interface FetchResult<TResult> {
  readonly value: TResult | undefined;
  readonly index: bigint;
  /** Answered at once from state already past `minIndex`. */
  readonly cached?: boolean;
  /** The timeout passed with no newer state. */
  readonly notModified?: boolean;
  /** The view was rebuilt from a snapshot whose index is below `minIndex`. */
  readonly reset?: boolean;
  /** The stream failed; `value` and `index` are the last good state. */
  readonly error?: Error;
}

/**
 * A request the registry can materialize: a canonical key (token hashed, never in clear), the
 * `SubscribeRequest` for a resume index, and a view factory. Built by `serviceHealthRequest`,
 * `serviceListRequest` or `keyedRequest`.
 */
export interface MaterializedRequest<TResult> {
  /** Canonical identity (view type, datacenter, token hash, request and view options). */
  readonly key: string;
  readonly viewType: string;
  subscribeRequest(index: bigint): SubscribeRequest;
  createView(): View<TResult>;
}

/** The result type of a request. */
export type ResultOf<TRequest> =
  TRequest extends MaterializedRequest<infer TResult> ? TResult : never;
