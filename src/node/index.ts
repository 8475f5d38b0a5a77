/**
 * `react-submatview/server/node`: a ready-made Node server for the event publisher
 * (connect-node; HTTP/1.1 and h2c; Connect, gRPC and gRPC-web; CORS).
 */

export type { RunningServer, ServeOptions } from "./serve.js";
export { serve } from "./serve.js";
