/**
 * Review of the relay's direct Subscribe path (09bb29f) against connect-node's handler: the same
 * request, sent over real sockets on 127.0.0.1 to a relay whose requests take the direct path
 * and to one whose requests all stay on the Connect handler, must get the same answer in every
 * field a client reads — HTTP status, content type, the gRPC status and percent-encoded message
 * (trailers or trailers-only), the gRPC-web trailer frame, Connect's end-stream JSON, and the
 * data frames (SPEC P2, L3). Malformed requests get a clean InvalidArgument, never a crash or
 * a hang (each call has a deadline).
 */
import { Code } from "@connectrpc/connect";
import { Topic } from "react-submatview/gen";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { deferred } from "../support/deferred.js";
import { healthRequest } from "../support/server.js";
import { codeOf, type RelayPair, shape, startRelayPair, wires } from "./support/relay-pair.js";
import { envelope, requestBody } from "./support/relay-raw.js";

let pair: RelayPair;
beforeAll(async () => {
  pair = await startRelayPair();
  pair.upstream.catalog.register({ node: "n1", service: "web", id: "web-1" });
});
afterAll(() => pair?.close());

const malformed: Record<string, Buffer> = {
  "an empty body": Buffer.alloc(0),
  "a truncated envelope (3 of 5 header bytes)": Buffer.from([0, 0, 0]),
  "a truncated message (prefix 40, 4 bytes sent)": envelope(Buffer.from([8, 1, 0x1a, 2]), 0, 40),
  "an oversized length prefix (2^32-1)": envelope(Buffer.from([8, 1]), 0, 0xffffffff),
  "a body past the 64 KiB request limit": envelope(Buffer.alloc(100 * 1024, 0x2a)),
  "invalid protobuf (a truncated varint)": envelope(Buffer.from([0x20, 0xff, 0xff])),
  "the compressed flag without an encoding": envelope(Buffer.from([8, 1]), 1),
  "two request messages": Buffer.concat([requestBody(healthRequest("web")), requestBody({})]),
};

describe("SPEC P2, L3: the direct path answers as connect-node's handler does", () => {
  for (const [name, wire] of Object.entries(wires)) {
    test(`${name}: a stream's headers and first frames are the handler's, byte for byte`, async () => {
      const { direct, handler } = await pair.both(wire, requestBody(healthRequest("web")), 2);
      expect(direct.frames).toHaveLength(2);
      expect(direct).toEqual(handler);
    });

    test(`${name}: a terminal ACL error before any event, message percent-encoded (L3)`, async () => {
      const body = requestBody(healthRequest("web", { Token: "denied" }));
      const { direct, handler } = await pair.both(wire, body);
      expect(codeOf(direct)).toBe(Code.PermissionDenied);
      expect(direct).toEqual(handler);
    });

    for (const [what, body] of Object.entries(malformed)) {
      test(`${name}: ${what} gets a clean InvalidArgument, not a crash or a hang`, async () => {
        const answers = await pair.both(wire, body);
        // connect-node answers some of these Internal or Unimplemented; the direct path's
        // InvalidArgument is the better answer, so only the shape must match the handler's.
        expect(codeOf(answers.direct)).toBe(Code.InvalidArgument);
        expect(shape(answers.direct)).toEqual(shape(answers.handler));
      });
    }
  }

  test("Connect JSON (h2c): invalid JSON gets a clean InvalidArgument", async () => {
    const wire = wires["Connect (h2c)"]!;
    const body = envelope(Buffer.from("{not json"));
    const answers = await pair.both(wire, body, undefined, "application/connect+json");
    expect(codeOf(answers.direct)).toBe(Code.InvalidArgument);
    expect(shape(answers.direct)).toEqual(shape(answers.handler));
  });

  test("an Aborted after events (upstream reset) ends each protocol's stream as the handler does (L3)", async () => {
    const calls = Object.values(wires).map((wire) => {
      const started = deferred<void>();
      let streams = 0;
      const answers = pair.both(
        wire,
        requestBody(healthRequest("web")),
        undefined,
        undefined,
        (n) => {
          // Each relay's stream has its snapshot (the instance and EndOfSnapshot).
          if (n === 2 && ++streams === 2) started.resolve();
        },
      );
      return { answers, started: started.promise };
    });
    await Promise.all(calls.map((call) => call.started));
    pair.upstream.publisher.refreshTopic(Topic.ServiceHealth);
    for (const call of calls) {
      const { direct, handler } = await call.answers;
      expect(codeOf(direct)).toBe(Code.Aborted);
      expect(direct.frames.filter((f) => f.startsWith("data:"))).toHaveLength(2);
      expect(direct).toEqual(handler);
    }
  });
});
