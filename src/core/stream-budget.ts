/** Streams a page may hold to one `http:` origin before the registry warns (SPEC H6). */
export const HTTP1_STREAM_BUDGET = 5;

/**
 * Counts a registry's running streams and warns once when a browser page holds more than
 * HTTP/1.1 allows to one `http:` origin (SPEC H6): browsers open at most 6 connections per
 * origin and each live stream holds one, so further requests stall.
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

  started(): void {
    this.#running++;
    if (this.#warned || this.#running <= HTTP1_STREAM_BUDGET) return;
    if (typeof document === "undefined" || !this.#baseUrl?.startsWith("http:")) return;
    this.#warned = true;
    this.#warn(
      `react-submatview: ${this.#running} live streams to ${new URL(this.#baseUrl).origin} over http:. ` +
        "Browsers allow 6 HTTP/1.1 connections per origin and each stream holds one, so further " +
        "requests to that origin will stall. Serve the API over HTTP/2 (https:), or share views " +
        "(fewer distinct requests).",
    );
  }

  stopped(): void {
    this.#running--;
  }
}
