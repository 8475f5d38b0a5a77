// Why the README recommends HTTP/2 keepalive for Node clients (SPEC M2, M6): a connection that
// goes silent without a FIN or RST (a dead peer, a dropped NAT entry) leaves a stream open on
// the client forever; with `pingIntervalMs` connect-node notices and the stream fails.

import { once } from "node:events";
import * as net from "node:net";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { classifyFailure } from "react-submatview/core";
import { StateChangeSubscription } from "react-submatview/gen";
import { afterEach, expect, test } from "vitest";
import {
  healthRequest,
  StreamReader,
  startTestServer,
  type TestServer,
} from "../support/server.js";

let server: TestServer;
let proxy: net.Server;
const pairs = new Set<[net.Socket, net.Socket]>();
afterEach(async () => {
  for (const [a, b] of pairs) {
    a.destroy();
    b.destroy();
  }
  pairs.clear();
  proxy.close();
  await server.close();
});

/** A TCP proxy to `port` that can go silent: it stops forwarding but keeps both sockets open. */
async function startProxy(port: number) {
  proxy = net.createServer((client) => {
    const upstream = net.connect({ port, host: "127.0.0.1" });
    client.on("error", () => {});
    upstream.on("error", () => {});
    client.pipe(upstream);
    upstream.pipe(client);
    pairs.add([client, upstream]);
  });
  proxy.listen(0, "127.0.0.1");
  await once(proxy, "listening");
  return {
    url: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`,
    blackhole() {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
  };
}

/** Whether `read` fails within `ms` ("failed: <kind>") or is still pending ("pending"). */
async function outcome(read: Promise<unknown>, ms: number): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve("pending"), ms);
  });
  const settled = read.then(
    () => "yielded",
    (error: unknown) => `failed: ${classifyFailure(error)}`,
  );
  try {
    return await Promise.race([settled, pending]);
  } finally {
    clearTimeout(timer);
  }
}

for (const keepalive of [true, false]) {
  test(`gRPC over h2c ${keepalive ? "with" : "without"} pingIntervalMs: a silent connection ${keepalive ? "fails the stream (retry)" : "keeps the stream open"}`, async () => {
    server = await startTestServer();
    server.catalog.populate({ services: 1, instancesPerService: 1, seed: 1 });
    const { url, blackhole } = await startProxy(server.server.port);
    const transport = createGrpcTransport({
      baseUrl: url,
      ...(keepalive ? { pingIntervalMs: 100, pingTimeoutMs: 100 } : {}),
    });
    const reader = new StreamReader(
      createClient(StateChangeSubscription, transport),
      healthRequest("service-00"),
    );
    await reader.snapshot();
    blackhole();
    const read = reader.next();
    read.catch(() => {});
    // With pings the stream fails after ~200 ms (given 5 s on a loaded machine); without, it is
    // still pending after 1.5 s (it would stay so forever).
    expect(await outcome(read, keepalive ? 5000 : 1500)).toBe(
      keepalive ? "failed: retry" : "pending",
    );
    reader.close();
  }, 15_000);
}
