/**
 * Defects found by review of the relay's direct Subscribe path (09bb29f), each a minimal repro
 * over real sockets on 127.0.0.1 that failed at 09bb29f and passes since 65eae5c; connect-node's
 * handler (the fallback the direct path replaces) passes the same scenarios (SPEC L1, L3, S7, P2).
 */
import { Code } from "@connectrpc/connect";
import type { Relay } from "react-submatview/server/node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { deferred } from "../support/deferred.js";
import { healthRequest } from "../support/server.js";
import { codeOf, meaningful, type RelayPair, startRelayPair, wires } from "./support/relay-pair.js";
import { envelope, rawCall, requestBody } from "./support/relay-raw.js";

let pair: RelayPair;
beforeAll(async () => {
  pair = await startRelayPair();
  pair.upstream.catalog.register({ node: "n1", service: "web", id: "web-1" });
});
afterAll(() => pair?.close());

describe("SPEC P2: the direct path reads requests as connect-node does", () => {
  test("Connect JSON: a request with a field this relay does not know is served (ignored, as the handler does), not refused InvalidArgument", async () => {
    // A newer client (or Consul's JSON) may send fields this build lacks; the handler's JSON
    // reader ignores unknown fields, the direct path's fromJsonString() refuses them.
    const body = envelope(
      Buffer.from(
        JSON.stringify({ Topic: "ServiceHealth", Unknown: 1, NamedSubject: { Key: "web" } }),
      ),
    );
    const wire = wires["Connect (h2c)"]!;
    const answers = await pair.both(wire, body, 2, "application/connect+json");
    expect(answers.handler.frames).toHaveLength(2);
    expect(answers.direct).toEqual(answers.handler);
  });
});

describe("SPEC L3, P2: an upstream error relayed to a gRPC JSON client", () => {
  test("gRPC+JSON, unshared topic: the trailers-only error answer keeps the request's content type, not the upstream response's", async () => {
    // The upstream (MeshConfig is not registered there) answers InvalidArgument; the error's
    // metadata holds the upstream response's headers, content-type application/grpc+proto.
    const body = envelope(
      Buffer.from(JSON.stringify({ Topic: "MeshConfig", NamedSubject: { Key: "x" } })),
    );
    const wire = wires["gRPC (h2c)"]!;
    const answers = await pair.both(wire, body, undefined, "application/grpc+json");
    expect(codeOf(answers.direct)).toBe(Code.InvalidArgument);
    expect(answers.handler.headers["content-type"]).toBe("application/grpc+json");
    expect(answers.direct.headers["content-type"]).toBe("application/grpc+json");
  });
});

/**
 * Sends a Subscribe request's headers, waits until `relay` has taken the request, shuts the
 * relay down, then sends the body: the answer, cut after one data frame.
 */
async function bodyAfterShutdown(relay: Relay, url: string) {
  const original = relay.serveDirect.bind(relay);
  const reached = deferred<void>();
  relay.serveDirect = (req, res) => {
    const taken = original(req, res);
    reached.resolve();
    return taken;
  };
  const shutDown = reached.promise.then(() => relay.shutdown());
  const answer = await rawCall(url, {
    http: "2",
    headers: { "content-type": "application/grpc+proto", te: "trailers" },
    body: requestBody(healthRequest("web")),
    bodyAfter: shutDown,
    maxFrames: 1,
  });
  return meaningful(answer);
}

describe("SPEC S7, L1: shutdown", () => {
  test("a request whose body arrives after relay.shutdown() ends Unavailable and opens no upstream stream", async () => {
    const answer = await bodyAfterShutdown(pair.direct.relay, pair.direct.server.url);
    expect(answer.frames.filter((frame) => frame.startsWith("data:"))).toEqual([]);
    expect(codeOf(answer)).toBe(Code.Unavailable);
    expect(pair.direct.relay.stats().upstreamStreams).toBe(0);
  });

  test("(control) the Connect handler: the same request ends Unavailable with no upstream stream", async () => {
    const answer = await bodyAfterShutdown(pair.handler.relay, pair.handler.server.url);
    expect(answer.frames.filter((frame) => frame.startsWith("data:"))).toEqual([]);
    expect(codeOf(answer)).toBe(Code.Unavailable);
    expect(pair.handler.relay.stats().upstreamStreams).toBe(0);
  });
});
