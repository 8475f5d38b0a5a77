/**
 * `npm start`: a Connect server (HTTP/1.1 + h2c; Connect, gRPC, gRPC-web; CORS) with an
 * in-memory Consul-like datacenter that keeps changing. Options (flags or environment):
 *   --port N / PORT        listen port (default 8080; 0 picks a free one)
 *   --host H / HOST        listen address (default 127.0.0.1)
 *   --rate N / CHURN_RATE  catalog changes per second (default 3)
 */

import { serve } from "../src/node/index.js";
import { EventPublisher, HealthCatalog } from "../src/server/index.js";

function option(flag: string, env: string, fallback: string): string {
  const at = process.argv.indexOf(flag);
  return (at >= 0 ? process.argv[at + 1] : undefined) ?? process.env[env] ?? fallback;
}

const port = Number(option("--port", "PORT", "8080"));
const host = option("--host", "HOST", "127.0.0.1");
const rate = Number(option("--rate", "CHURN_RATE", "3"));

const publisher = new EventPublisher();
const catalog = new HealthCatalog(publisher);
catalog.populate({ services: 20, instancesPerService: 5, seed: 1 });
const stopChurn = rate > 0 ? catalog.startChurn(rate) : () => {};

const server = await serve({
  publisher,
  host,
  port,
  fallback(_req, res) {
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    res.end(
      "react-submatview demo server\n" +
        "RPC: POST /subscribe.StateChangeSubscription/Subscribe (Connect, gRPC, gRPC-web)\n" +
        `services: ${catalog.serviceNames().join(", ")}\n`,
    );
  },
});
console.log(`react-submatview demo server listening on ${server.url}`);
console.log(
  `  ${catalog.serviceNames().length} services, ${rate} changes/s, index ${catalog.index}`,
);

// The first signal drains: open streams get "server is shutting down" (Unavailable, SPEC S7)
// and resume elsewhere or later; a second signal exits at once.
let stopping = false;
const stop = async () => {
  if (stopping) process.exit(1);
  stopping = true;
  stopChurn();
  await server.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
