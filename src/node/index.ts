/**
 * `react-submatview/server/node`: a ready-made Node server for the event publisher
 * (connect-node; HTTP/1.1 and h2c; Connect, gRPC and gRPC-web; CORS), the relay that serves
 * browsers from Consul's servers (or another subscribe server), and the upstream transport
 * for Consul servers' RPC port (SPEC section 9).
 */

export type { ConsulTransportOptions, UpstreamTlsOptions } from "./consul-transport.js";
export { createConsulTransport, upstreamTransport } from "./consul-transport.js";
export { guardKeepalivePingRace, isKeepalivePingRace } from "./keepalive-guard.js";
export type { RedisWrite } from "./redis-codec.js";
export { serviceHealthWrite } from "./redis-codec.js";
export type { RedisEventSourceOptions, RedisTopic } from "./redis-event-source.js";
export { RedisEventSource } from "./redis-event-source.js";
export type { Appended, RedisEventWriterOptions, RedisLogOptions } from "./redis-event-writer.js";
export { RedisEventWriter } from "./redis-event-writer.js";
export type { RedisConnection, RedisLogKeys } from "./redis-scripts.js";
export { redisLogKeys } from "./redis-scripts.js";
export type { RelayOptions, RelayStats } from "./relay.js";
export { Relay } from "./relay.js";
export type { RelayTopic } from "./relay-topics.js";
export { defaultRelayTopics } from "./relay-topics.js";
export { remoteAddressKey } from "./remote-address.js";
export type { ConsulTlsOptions, ServerAddress } from "./rpc-connection.js";
export { parseServerAddress, RPC_GRPC, RPC_TLS } from "./rpc-connection.js";
export type { RunningServer, ServeOptions, SubscribeServer } from "./serve.js";
export { serve } from "./serve.js";
