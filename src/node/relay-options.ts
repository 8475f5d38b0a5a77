/**
 * The relay's options and counters (SPEC L1–L3): what `new Relay(options)` takes and what
 * `relay.stats()` reports.
 */
import type { HandlerContext, Transport } from "@connectrpc/connect";
import type { RetryWaiterOptions } from "../core/retry-waiter.js";
import type { Logger, StreamClient } from "../core/types.js";
import type { Topic } from "../gen/index.js";
import type { Timers } from "../server/types.js";
import type { RelayTopic } from "./relay-topics.js";

export interface RelayOptions {
  /** The upstream: a transport (`createConsulTransport`, `upstreamTransport`) or a client. */
  readonly upstream: Transport | StreamClient;
  /** How long an upstream stream stays open after its last downstream stream left (30 s). */
  readonly idleTtlMs?: number;
  /** Live items kept per key for resumes from the buffer (default 1024). */
  readonly historySize?: number;
  /** How long a resume at an index this relay has not reached waits for it (default 2 s). */
  readonly resumeWaitMs?: number;
  /** Downstream streams per key; more fail with `ResourceExhausted` (default 20,000). */
  readonly maxStreamsPerKey?: number;
  /** Downstream streams per client; more fail with `ResourceExhausted` (default 200). */
  readonly maxStreamsPerClient?: number;
  /**
   * Who a stream's client is, for `maxStreamsPerClient`: default its IP address as `serve()`
   * sees it; `undefined` exempts the stream (behind a proxy, read a header you trust instead).
   */
  readonly clientId?: (context: HandlerContext) => string | undefined;
  /** Topics shared per key (default health and service list); others are relayed one to one. */
  readonly topics?: ReadonlyMap<Topic, RelayTopic>;
  readonly timers?: Timers;
  /** Backoff of the upstream streams (Consul's: 200 ms doubling to 60 s, with jitter). */
  readonly retry?: RetryWaiterOptions;
  readonly logger?: Logger;
}

/** Counters for tests and operators; no key or token in them. */
export interface RelayStats {
  /** Upstream streams open or retrying: one per shared key, plus one per unshared stream. */
  readonly upstreamStreams: number;
  /** Downstream streams being served. */
  readonly downstreamStreams: number;
  /** Distinct clients with at least one stream. */
  readonly clients: number;
}
