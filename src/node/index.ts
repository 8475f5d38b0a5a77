/**
 * `react-submatview/server/node`: a ready-made Node server for the event publisher
 * (connect-node; HTTP/1.1 and h2c; Connect, gRPC and gRPC-web; CORS).
 */

export type { ConsulTransportOptions, UpstreamTlsOptions } from "./consul-transport.js";
export { createConsulTransport, upstreamTransport } from "./consul-transport.js";
export type { ConsulTlsOptions, ServerAddress } from "./rpc-connection.js";
export { parseServerAddress, RPC_GRPC, RPC_TLS } from "./rpc-connection.js";
export type { RunningServer, ServeOptions } from "./serve.js";
export { serve } from "./serve.js";
