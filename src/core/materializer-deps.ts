/** What a materializer is built from (SPEC M1; Consul's `submatview.Deps`). */
import type { SubscribeRequest } from "../gen/index.js";
import type { RetryWaiter } from "./retry-waiter.js";
import type { Logger, StreamClient, Timers, View } from "./types.js";

/** What a materializer needs (SPEC M1; Consul's `submatview.Deps`). */
export interface MaterializerDeps<TResult> {
  readonly view: View<TResult>;
  readonly client: StreamClient;
  /** Builds the `SubscribeRequest` for a resume index (0: a fresh snapshot). */
  readonly request: (index: bigint) => SubscribeRequest;
  readonly logger?: Logger;
  readonly waiter?: RetryWaiter;
  /** Timers for `fetch` timeouts, the healthy-stream timer and the handshake deadline. */
  readonly timers?: Timers;
  /**
   * Once the server sent `SUBSCRIBED_HEADER`, how long a stream may go without headers, an
   * event or an error before it is aborted and retried (M2, M6; default
   * `HANDSHAKE_TIMEOUT_MS`, 10 s; ≤ 0 or `Infinity` disables).
   */
  readonly handshakeTimeoutMs?: number;
  /**
   * Whether a stream may be waiting in the browser's queue for an HTTP/1.1 connection (H6):
   * while true the handshake deadline is not armed and does not fire (default: never).
   */
  readonly mayQueue?: () => boolean;
}
