/**
 * Review of the relay's direct Subscribe path (09bb29f) and serve()'s h2c hand-off (da703f9),
 * over real sockets on 127.0.0.1 with the package's own server upstream: a preface split across
 * TCP segments still reaches the direct path, requests it must leave to connect-node (a GET, a
 * wrong content type) get the handler's answer, and a terminal ACL error for one token reaches
 * that token's stalled stream only, while another token's stream on the same subject goes on
 * (SPEC L1, L3, P2).
 */
import type * as http2 from "node:http2";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { type Event, StateChangeSubscription } from "react-submatview/gen";
import { afterEach, describe, expect, test } from "vitest";
import { trickleConnection } from "../node/trickle.js";
import { RawStream } from "../relay/support/raw-stream.js";
import { relayPerTest } from "../support/relay-per-test.js";
import { healthRequest, StreamReader, describe as show } from "../support/server.js";
import { meaningful, type RelayPair, startRelayPair } from "./support/relay-pair.js";
import { type RawCall, rawCall, requestBody, SUBSCRIBE } from "./support/relay-raw.js";

const relays = relayPerTest();
let pair: RelayPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

describe("SPEC L1: serve()'s h2c hand-off in front of the direct path", () => {
  test("a gRPC client whose preface arrives one byte per segment gets its relayed stream", async () => {
    const world = await relays.start();
    const { catalog } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const port = world.server.port;
    const transport = createGrpcTransport({
      baseUrl: world.server.url,
      nodeOptions: { createConnection: () => trickleConnection(port, 24) },
    });
    const reader = new StreamReader(
      createClient(StateChangeSubscription, transport),
      healthRequest("web"),
    );
    relays.closeAfter(reader);
    expect((await reader.snapshot()).map(show)).toEqual([
      expect.stringMatching(/:reg:web-1$/),
      expect.stringMatching(/:EndOfSnapshot$/),
    ]);
    const index = catalog.setStatus("n1", "web-1", "critical");
    expect((await reader.next()).Index).toBe(index);
  }, 15_000);
});

describe("SPEC P2: requests the direct path leaves to connect-node get its answer", () => {
  const cases = {
    "a Connect GET (unary-style) of the streaming method": {
      method: "GET",
      path: `${SUBSCRIBE}?connect=v1&encoding=proto&message=CAE`,
      contentType: undefined,
    },
    "a POST with a content type of no RPC protocol": {
      method: "POST",
      path: SUBSCRIBE,
      contentType: "application/proto",
    },
    "a POST of gRPC-web text": {
      method: "POST",
      path: SUBSCRIBE,
      contentType: "application/grpc-web-text",
    },
    "a POST with a query string": {
      method: "POST",
      path: `${SUBSCRIBE}?x=1`,
      contentType: "application/connect+proto",
    },
  };
  for (const [name, { method, path, contentType }] of Object.entries(cases)) {
    for (const version of ["1.1", "2"] as const) {
      test(`${name} over HTTP/${version}`, async () => {
        pair ??= await startRelayPair();
        const call: RawCall = {
          http: version,
          method,
          path,
          headers: contentType ? { "content-type": contentType } : {},
          body: method === "GET" ? Buffer.alloc(0) : requestBody(healthRequest("web")),
          maxFrames: 1,
        };
        const [direct, handler] = await Promise.all([
          rawCall(pair.direct.server.url, call),
          rawCall(pair.handler.server.url, call),
        ]);
        expect(meaningful(direct)).toEqual(meaningful(handler));
      });
    }
  }
});

describe("SPEC L3: a terminal ACL error for one token, another token on the same subject", () => {
  test("the stalled stream of the failed token gets what it had, then the error; the other token's stream goes on", async () => {
    const valid = new Set(["alice", "bob"]);
    const world = await relays.start(
      {},
      { authorizer: (token) => (valid.has(token) ? () => true : null) },
    );
    const { catalog, server } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const session = relays.connect(world.server.url);
    const bob = new RawStream(session, healthRequest("web", { Token: "bob" }));
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => {
      bob.stream.on("trailers", resolve);
      bob.stream.on("response", (headers) => {
        if (headers["grpc-status"] !== undefined) resolve(headers);
      });
    });
    await bob.waitFor(2);
    bob.stream.pause();
    const alice = world.open(healthRequest("web", { Token: "alice" }), "grpc");
    await alice.snapshot();
    const indexes: bigint[] = [];
    for (let i = 0; i < 2000; i++) {
      indexes.push(catalog.setStatus("n1", "web-1", i % 2 ? "warning" : "passing"));
    }
    const seen: Event[] = [];
    while (seen.length < indexes.length) seen.push(await alice.next());
    // Bob's token is deleted while the relay's upstream connection is down: its resume fails.
    valid.delete("bob");
    server.dropConnections();
    bob.stream.resume();
    const end = await trailers;
    expect(end["grpc-status"]).toBe(String(Code.Unknown));
    expect(decodeURIComponent(String(end["grpc-message"]))).toBe("ACL not found");
    const got = bob.events.slice(2).map((e) => e.Index);
    expect(got).toEqual(indexes.slice(0, got.length));
    const index = catalog.register({ node: "n1", service: "web", id: "web-2" });
    expect(show(await alice.next())).toBe(`${index}:reg:web-2`);
  }, 30_000);
});
