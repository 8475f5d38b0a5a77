import { ConnectionLimitError } from "./errors.js";

/** Streams a page may hold to one `http:` origin before the registry warns (SPEC H6). */
export const HTTP1_STREAM_BUDGET = 5;

/** Connections a browser opens to one HTTP/1.1 origin (Chromium, Firefox and Safari alike). */
export const HTTP1_CONNECTIONS_PER_ORIGIN = 6;

/**
 * Counts a registry's running streams and warns once when a browser page holds more than
 * HTTP/1.1 allows to one `http:` origin (SPEC H6): browsers open at most 6 connections per
 * origin and each live stream holds one, so further requests stall. A stream started beyond
 * those 6 gets a {@link ConnectionLimitError} to show (its view would otherwise sit in
 * "connecting" with no error while the browser queues its request).
 */
export class StreamBudget {
  readonly #baseUrl: string | undefined;
  readonly #warn: (message: string) => void;
  #running = 0;
  #warned = false;

  constructor(baseUrl: string | undefined, warn: (message: string) => void) {
    this.#baseUrl = baseUrl;
    this.#warn = warn;
  }

  /** Counts a started stream; returns the error to surface when the browser will queue it. */
  started(): ConnectionLimitError | undefined {
    this.#running++;
    if (this.#running <= HTTP1_STREAM_BUDGET) return undefined;
    if (typeof document === "undefined" || !this.#baseUrl?.startsWith("http:")) return undefined;
    const origin = new URL(this.#baseUrl).origin;
    const fix = "Serve the API over HTTP/2 (https:), or share views (fewer distinct requests).";
    if (!this.#warned) {
      this.#warned = true;
      this.#warn(
        `react-submatview: ${this.#running} live streams to ${origin} over http:. ` +
          "Browsers allow 6 HTTP/1.1 connections per origin and each stream holds one, so further " +
          `requests to that origin will stall. ${fix}`,
      );
    }
    if (this.#running <= HTTP1_CONNECTIONS_PER_ORIGIN) return undefined;
    return new ConnectionLimitError(
      `stream ${this.#running} to ${origin} waits for a connection: browsers open at most ` +
        `${HTTP1_CONNECTIONS_PER_ORIGIN} HTTP/1.1 connections per origin and each live stream ` +
        `holds one, so this view stays empty until another stream ends. ${fix}`,
    );
  }

  stopped(): void {
    this.#running--;
  }
}
