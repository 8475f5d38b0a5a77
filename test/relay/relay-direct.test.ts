/**
 * The relay's direct Subscribe path under hostile readers, over real sockets on 127.0.0.1
 * (issue 11; SPEC L1–L3): frames encoded once per key and written to every stream must not let
 * a reader that stops reading stall the others or lose events, must not mix codecs (a JSON and
 * a binary client on one key), must release a stream reset in the middle of its snapshot, and
 * must keep each token's frames to that token's streams.
 */
import { once } from "node:events";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import * as node from "@connectrpc/connect-node";
import { type Event, StateChangeSubscription, SubscribeRequestSchema } from "react-submatview/gen";
import { describe, expect, test } from "vitest";
import { deferred } from "../support/deferred.js";
import { connectJsonClient, relayPerTest, take } from "../support/relay-per-test.js";
import { healthRequest, StreamReader, describe as show } from "../support/server.js";
import { enveloped, RawStream, rawCall } from "./support/raw-stream.js";

const relays = relayPerTest();

describe("SPEC L1, L2: one frame per item, written to every stream", () => {
  test("a reader that stops reading stalls no other stream, and once it reads again gets every event once, in order", async () => {
    // HTTP/2 flow control holds the relay's writes to `slow` once it has its snapshot.
    const { world, catalog, slow } = await relays.stalledWeb();
    const fast = world.open(healthRequest("web"));
    await fast.snapshot();
    const indexes: bigint[] = [];
    for (let i = 0; i < 3000; i++) {
      indexes.push(catalog.setStatus("n1", "web-1", i % 2 ? "warning" : "passing"));
    }
    // ~700 KB of events: far past the slow stream's flow-control window and write buffers.
    expect((await take(fast, indexes.length)).map((e) => e.Index)).toEqual(indexes);
    expect(slow.events.length).toBeLessThan(2 + indexes.length); // it was held back
    slow.stream.resume();
    const all = await slow.waitFor(2 + indexes.length);
    expect(all.slice(2).map((e) => e.Index)).toEqual(indexes);
    expect(world.relay.stats()).toMatchObject({ upstreamStreams: 1, downstreamStreams: 2 });
  }, 30_000);

  test("a JSON and a binary client on one key get the same events, whichever joined first", async () => {
    const world = await relays.start();
    const { catalog } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const jsonClient = (httpVersion: "1.1" | "2") =>
      createClient(
        StateChangeSubscription,
        node.createGrpcWebTransport({
          baseUrl: world.server.url,
          httpVersion,
          useBinaryFormat: false,
        }),
      );
    const binary = world.open(healthRequest("web"), "grpc");
    await binary.snapshot();
    const first = catalog.setStatus("n1", "web-1", "critical"); // its frames: binary only
    await take(binary, 1);
    const json = new StreamReader(jsonClient("2"), healthRequest("web"));
    relays.closeAfter(json);
    const snapshot = await json.snapshot();
    expect(snapshot.map(show)).toEqual([`${first}:reg:web-1`, `${first}:EndOfSnapshot`]);
    const late = world.open(healthRequest("web"), "connect"); // binary, after the JSON snapshot
    await late.snapshot();
    const json11 = new StreamReader(jsonClient("1.1"), healthRequest("web"));
    relays.closeAfter(json11);
    await json11.snapshot();
    catalog.transaction((tx) => {
      tx.register({ node: "n2", service: "web", id: "web-2" });
      tx.setStatus("n1", "web-1", "passing");
    });
    catalog.deregister("n2", "web-2");
    const expected = (await take(binary, 2)).map(show);
    expect(expected[0]).toMatch(/:batch\[/);
    for (const reader of [json, late, json11]) {
      expect((await take(reader, 2)).map(show)).toEqual(expected);
    }
  }, 15_000);

  test("a client that resets its stream mid-snapshot is released; others go on and the next stream gets the whole snapshot", async () => {
    const world = await relays.start();
    const { catalog } = world.upstream;
    const instances = 3000; // a ~700 KB snapshot: several batched writes, past the window
    catalog.transaction((tx) => {
      for (let i = 0; i < instances; i++) {
        tx.register({ node: `n${i % 50}`, service: "web", id: `web-${i}` });
      }
    });
    const other = world.open(healthRequest("web"));
    expect((await other.snapshot()).length).toBe(instances + 1);
    const session = relays.connect(world.server.url);
    const aborting = new RawStream(session, healthRequest("web"));
    await once(aborting.stream, "data");
    aborting.cancel();
    // A later stream on the same connection: the relay has handled the reset before it.
    const next = new RawStream(session, healthRequest("web"));
    const snapshot = await next.waitFor(instances + 1);
    expect(snapshot.at(-1)?.Payload.case).toBe("EndOfSnapshot");
    expect(new Set(snapshot.slice(0, -1).map(show)).size).toBe(instances);
    expect(aborting.events.length).toBeLessThan(instances + 1);
    expect(world.relay.stats().downstreamStreams).toBe(2);
    const index = catalog.setStatus("n0", "web-0", "critical");
    expect((await other.next()).Index).toBe(index);
    expect((await next.waitFor(instances + 2)).at(-1)?.Index).toBe(index);
  }, 30_000);
});

describe("SPEC L3: frames stay with their token", () => {
  test("one token's events never reach another token's stream, in JSON or binary", async () => {
    const world = await relays.start(
      {},
      {
        authorizer: (token) =>
          token === "bob"
            ? () => true
            : token === "alice"
              ? (event: Event) =>
                  event.Payload.case !== "ServiceHealth" ||
                  event.Payload.value.CheckServiceNode?.Node?.Node === "n1"
              : null,
      },
    );
    const { catalog } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    catalog.register({ node: "n2", service: "web", id: "web-2" });
    const json = connectJsonClient(world.server.url);
    const aliceJson = new StreamReader(json, healthRequest("web", { Token: "alice" }));
    const bobJson = new StreamReader(json, healthRequest("web", { Token: "bob" }));
    relays.closeAfter(aliceJson, bobJson);
    const alice = world.open(healthRequest("web", { Token: "alice" }));
    const bob = world.open(healthRequest("web", { Token: "bob" }));
    for (const reader of [aliceJson, alice]) {
      expect((await reader.snapshot()).map(show).filter((s) => s.includes("reg"))).toEqual([
        expect.stringMatching(/reg:web-1$/),
      ]);
    }
    for (const reader of [bobJson, bob]) expect((await reader.snapshot()).length).toBe(3);
    const bobOnly = catalog.register({ node: "n2", service: "web", id: "web-3" });
    const both = catalog.register({ node: "n1", service: "web", id: "web-4" });
    for (const reader of [aliceJson, alice]) {
      expect(show(await reader.next())).toBe(`${both}:reg:web-4`);
    }
    for (const reader of [bobJson, bob]) {
      expect((await take(reader, 2)).map(show)).toEqual([
        `${bobOnly}:reg:web-3`,
        `${both}:reg:web-4`,
      ]);
    }
    expect(world.relay.stats().upstreamStreams).toBe(2);
  }, 15_000);
});

describe("the direct path answers as connect-node's handler does (found in review)", () => {
  test("a Connect JSON request with a field this build lacks is served, not refused (unknown fields ignored)", async () => {
    const world = await relays.start();
    world.upstream.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const json = JSON.stringify({
      Topic: "ServiceHealth",
      Unknown: 1,
      NamedSubject: { Key: "web" },
    });
    const answer = await rawCall(
      world.server.url,
      "application/connect+json",
      enveloped(Buffer.from(json)),
      {
        maxFrames: 2,
      },
    );
    expect(answer.frames.map((f) => f.flags)).toEqual([0, 0]);
    expect(JSON.parse(answer.frames[1]!.payload.toString()).EndOfSnapshot).toBe(true);
  });

  test("SPEC L3: a gRPC JSON client's trailers-only error keeps its content type, not the upstream response's", async () => {
    const world = await relays.start();
    // MeshConfig is not shared by the relay and not served upstream: InvalidArgument from there.
    const json = JSON.stringify({ Topic: "MeshConfig", NamedSubject: { Key: "x" } });
    const answer = await rawCall(
      world.server.url,
      "application/grpc+json",
      enveloped(Buffer.from(json)),
    );
    expect(answer.headers["grpc-status"] ?? answer.trailers["grpc-status"]).toBe(
      String(Code.InvalidArgument),
    );
    expect(answer.headers["content-type"]).toBe("application/grpc+json");
  });

  test("SPEC S7, L1: a request whose body arrives after shutdown() ends Unavailable and opens nothing upstream", async () => {
    const world = await relays.start();
    world.upstream.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const relay = world.relay;
    const taken = deferred();
    const serveDirect = relay.serveDirect.bind(relay);
    relay.serveDirect = (req, res) => {
      const handled = serveDirect(req, res);
      taken.resolve();
      return handled;
    };
    const message = toBinary(
      SubscribeRequestSchema,
      create(SubscribeRequestSchema, healthRequest("web")),
    );
    const answer = await rawCall(world.server.url, "application/grpc+proto", enveloped(message), {
      bodyAfter: taken.promise.then(() => relay.shutdown()),
    });
    expect(answer.frames).toEqual([]);
    expect(answer.headers["grpc-status"] ?? answer.trailers["grpc-status"]).toBe(
      String(Code.Unavailable),
    );
    expect(relay.stats().upstreamStreams).toBe(0);
  });
});

describe("SPEC L1: one stream's failure stays with that stream", () => {
  test("a response whose write throws during the fan-out ends alone: the next stream still gets the event, upstream stays", async () => {
    const world = await relays.start();
    const { catalog, publisher } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const relay = world.relay;
    const serveDirect = relay.serveDirect.bind(relay);
    let first = true;
    relay.serveDirect = (req, res) => {
      if (first && "stream" in res) {
        first = false;
        // This stream's live writes throw (its snapshot goes out as one write before them).
        const stream = res.stream;
        const write = stream.write.bind(stream);
        let writes = 0;
        stream.write = ((chunk: Buffer) => {
          if (++writes > 1) throw new Error("write failed under the relay");
          return write(chunk);
        }) as typeof stream.write;
      }
      return serveDirect(req, res);
    };
    const failing = new RawStream(relays.connect(world.server.url), healthRequest("web"));
    await failing.waitFor(2);
    const next = world.open(healthRequest("web"), "grpc"); // after it in the key's fan-out
    await next.snapshot();
    const index = catalog.setStatus("n1", "web-1", "critical");
    // Bounded: without the guard this event reached `next` only with the key's next event.
    const deadline = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("the event never reached the next stream")), 3000),
    );
    expect((await Promise.race([next.next(), deadline])).Index).toBe(index);
    expect(publisher.stats().subscribers).toBe(1); // no upstream resubscription either
    expect(relay.stats().downstreamStreams).toBe(1);
  }, 15_000);
});
