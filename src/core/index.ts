/**
 * `react-submatview/core`: the framework-free heart — materializer, views, retry waiter,
 * registry and request builders (SPEC sections 3–5). Imports neither React nor TanStack.
 */

export {
  HANDSHAKE_TIMEOUT_MS,
  HEALTHY_STREAM_MS,
  SUBSCRIBED_HEADER,
} from "./accepted-stream.js";
export type { FailureKind } from "./classify.js";
export { classifyFailure } from "./classify.js";
export type { Connectivity, ConnectivityChange } from "./connectivity.js";
export { alwaysOnline, browserConnectivity } from "./connectivity.js";
export {
  abortError,
  ConnectionLimitError,
  HandshakeTimeoutError,
  MaterializerClosedError,
  ProtocolError,
  StreamEndedError,
  StreamResetError,
} from "./errors.js";
export type { KeyedChange, KeyedResult, KeyedViewOptions } from "./keyed-view.js";
export { KeyedView } from "./keyed-view.js";
export { Materializer } from "./materializer.js";
export type { MaterializerDeps } from "./materializer-deps.js";
export type { Lease, MaterializerRegistryOptions, RegistryStats } from "./materializer-registry.js";
export {
  CONNECTION_LIMIT_GRACE_MS,
  DEFAULT_IDLE_TTL_MS,
  HTTP1_CONNECTIONS_PER_ORIGIN,
  HTTP1_STREAM_BUDGET,
  MaterializerRegistry,
} from "./materializer-registry.js";
export type { RegistryEntrySnapshot, RegistrySnapshot } from "./registry-snapshot.js";
export type {
  KeyedRequestOptions,
  ServiceHealthRequestOptions,
  ServiceListRequestOptions,
} from "./requests.js";
export { keyedRequest, serviceHealthRequest, serviceListRequest } from "./requests.js";
export type { RetryWaiterOptions } from "./retry-waiter.js";
export { RetryWaiter } from "./retry-waiter.js";
export type { ServiceHealthFilter, ServiceHealthResult } from "./service-health-view.js";
export { compareBytes, ServiceHealthView, uniqueId } from "./service-health-view.js";
export type { ServiceListResult, ServiceName } from "./service-list-view.js";
export { ServiceListView } from "./service-list-view.js";
export { SortedIndex } from "./sorted-index.js";
export { tokenHash } from "./token-hash.js";
export type {
  DehydratedState,
  FetchOptions,
  FetchResult,
  Logger,
  MaterializedRequest,
  MaterializerState,
  MaterializerStatus,
  ResultOf,
  StreamCallOptions,
  StreamClient,
  Timers,
  View,
} from "./types.js";
