/**
 * `npm start`: the live demo. One process serves the Connect server (HTTP/1.1 + h2c; Connect,
 * gRPC, gRPC-web; CORS) of an in-memory Consul-like datacenter that keeps changing, and the demo
 * page (a React app built from demo/app with Vite on first start) with fault buttons.
 * Options (flags or environment):
 *   --port N / PORT        listen port (default 8080; 0 picks a free one)
 *   --host H / HOST        listen address (default 127.0.0.1)
 *   --rate N / CHURN_RATE  catalog changes per second (default 3; 0 starts with churn stopped)
 */

import { serve } from "../src/node/index.js";
import { controlRoutes } from "./control.js";
import { DemoDatacenter } from "./demo-datacenter.js";
import { loadApp } from "./static-app.js";

function option(flag: string, env: string, fallback: string): string {
  const at = process.argv.indexOf(flag);
  return (at >= 0 ? process.argv[at + 1] : undefined) ?? process.env[env] ?? fallback;
}

const port = Number(option("--port", "PORT", "8080"));
const host = option("--host", "HOST", "127.0.0.1");
const rate = Number(option("--rate", "CHURN_RATE", "3"));

const datacenter = new DemoDatacenter({ services: 20, instancesPerService: 5, seed: 1, rate });
// The RPCs answer at once; the page's requests wait for its build (seconds, first start only).
const app = loadApp((line) => console.log(line));
app.catch((error: unknown) => console.error("the demo page failed to build:", error));

const server = await serve({
  publisher: datacenter.publisher,
  host,
  port,
  fallback: controlRoutes({ datacenter, app, dropConnections: () => server.dropConnections() }),
});
console.log(`react-submatview demo server listening on ${server.url}`);
console.log(
  `  open ${server.url}/ in a browser: ${datacenter.catalog.serviceNames().length} services, ` +
    `${rate} changes/s, index ${datacenter.catalog.index}; Ctrl-C stops it`,
);

// The first signal drains: open streams get "server is shutting down" (Unavailable, SPEC S7)
// and resume elsewhere or later; a second signal exits at once.
let stopping = false;
const stop = async () => {
  if (stopping) process.exit(1);
  stopping = true;
  datacenter.stop();
  await server.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
