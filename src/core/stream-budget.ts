import { ConnectionLimitError } from "./errors.js";
import type { Timers } from "./types.js";

/** Streams a page may hold to one `http:` origin before the registry warns (SPEC H6). */
export const HTTP1_STREAM_BUDGET = 5;

/** Connections a browser opens to one HTTP/1.1 origin (Chromium, Firefox and Safari alike). */
export const HTTP1_CONNECTIONS_PER_ORIGIN = 6;

/** How long views may wait for a first snapshot, beyond 6 streams, before they are told why. */
export const CONNECTION_LIMIT_GRACE_MS = 1_000;

/** What the budget needs of a view: whether it still waits for its first snapshot. */
export interface BudgetedView {
  getSnapshot(): { readonly index: bigint; readonly error: Error | undefined };
  surface(error: Error): void;
}

export interface StreamBudgetOptions {
  readonly baseUrl: string | undefined;
  readonly warn: (message: string) => void;
  readonly timers: Timers;
  /** The registry's views with a running stream. */
  readonly views: () => Iterable<BudgetedView>;
}

/**
 * Counts a registry's running streams and warns once when a browser page holds more than
 * HTTP/1.1 allows to one `http:` origin (SPEC H6): browsers open at most 6 connections per
 * origin and each live stream holds one, so further requests stall. Which requests the
 * browser queues is its choice (CORS preflights and the transport's own awaits reorder them),
 * so beyond 6 streams, every view still without a snapshot after
 * {@link CONNECTION_LIMIT_GRACE_MS} gets a {@link ConnectionLimitError} to show instead of
 * loading forever; its first snapshot clears it.
 */
export class StreamBudget {
  readonly #options: StreamBudgetOptions;
  #running = 0;
  #warned = false;
  #check: unknown;

  constructor(options: StreamBudgetOptions) {
    this.#options = options;
  }

  get #origin(): string | undefined {
    const { baseUrl } = this.#options;
    if (typeof document === "undefined" || !baseUrl?.startsWith("http:")) return undefined;
    return new URL(baseUrl).origin;
  }

  started(): void {
    this.#running++;
    if (this.#running <= HTTP1_STREAM_BUDGET) return;
    const origin = this.#origin;
    if (origin === undefined) return;
    if (!this.#warned) {
      this.#warned = true;
      this.#options.warn(
        `react-submatview: ${this.#running} live streams to ${origin} over http:. ` +
          "Browsers allow 6 HTTP/1.1 connections per origin and each stream holds one, so further " +
          `requests to that origin will stall. ${FIX}`,
      );
    }
    if (this.#running > HTTP1_CONNECTIONS_PER_ORIGIN && this.#check === undefined) {
      this.#check = this.#options.timers.setTimeout(() => {
        this.#check = undefined;
        this.#surfaceStalled(origin);
      }, CONNECTION_LIMIT_GRACE_MS);
    }
  }

  stopped(): void {
    this.#running--;
  }

  /**
   * Whether the browser may be queueing one of these streams (H6): more of them run than it
   * opens connections to their `http:` origin. A queued stream gets no headers until a
   * connection frees, so the handshake deadline (M2, M6) must not take that for a dead stream.
   */
  get mayQueue(): boolean {
    return this.#running > HTTP1_CONNECTIONS_PER_ORIGIN && this.#origin !== undefined;
  }

  /** Clears the pending check (the registry is disposed). */
  dispose(): void {
    if (this.#check !== undefined) this.#options.timers.clearTimeout(this.#check);
    this.#check = undefined;
  }

  #surfaceStalled(origin: string): void {
    if (this.#running <= HTTP1_CONNECTIONS_PER_ORIGIN) return;
    const error = new ConnectionLimitError(
      `no response yet from ${origin}, and this page runs ${this.#running} streams to it: ` +
        `browsers open at most ${HTTP1_CONNECTIONS_PER_ORIGIN} HTTP/1.1 connections per origin ` +
        "and each live stream holds one, so this view waits for a connection until another " +
        `stream ends. ${FIX}`,
    );
    for (const view of this.#options.views()) {
      const state = view.getSnapshot();
      if (state.index === 0n && state.error === undefined) view.surface(error);
    }
  }
}

const FIX = "Serve the API over HTTP/2 (https:), or share views (fewer distinct requests).";
