/**
 * Review of the relay's direct Subscribe path (09bb29f): topics the relay does not share (one
 * upstream stream per downstream stream, `relay()` in relay-direct.ts) and HTTP/1.1 readers,
 * over real sockets on 127.0.0.1 with the package's own server upstream (SPEC L1, L2, S7, S8):
 * a stalled reader loses nothing and stalls no other, a reset releases its upstream stream,
 * shutdown ends the stream with Unavailable.
 */
import * as http from "node:http";
import { fromBinary } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import * as node from "@connectrpc/connect-node";
import { CatalogOp, EventSchema, StateChangeSubscription, Topic } from "react-submatview/gen";
import type { PublishEvent } from "react-submatview/server";
import { describe, expect, test } from "vitest";
import { RawStream } from "../relay/support/raw-stream.js";
import { type RelayWorld, startRelayWorld } from "../relay/support/relay-world.js";
import { relayPerTest, take } from "../support/relay-per-test.js";
import { healthRequest, type RequestInit, StreamReader } from "../support/server.js";
import { requestBody, SUBSCRIBE } from "./support/relay-raw.js";

const relays = relayPerTest();

/** A MeshConfig subscription: a topic the relay does not share (relayed one to one). */
const meshRequest: RequestInit = {
  Topic: Topic.MeshConfig,
  Subject: { case: "NamedSubject", value: { Key: "web" } },
};

let next = 0;
const meshEvent = (index: bigint): PublishEvent => ({
  topic: Topic.MeshConfig,
  subject: "web",
  index,
  payload: {
    case: "ServiceHealth",
    value: { Op: CatalogOp.Register, CheckServiceNode: { Service: { ID: `m${next++}` } } },
  },
});

async function meshWorld(): Promise<RelayWorld> {
  const created = await startRelayWorld();
  created.upstream.publisher.registerTopic(
    Topic.MeshConfig,
    () => created.upstream.publisher.index,
  );
  return created;
}

/** Publishes `count` MeshConfig events, one transaction each; returns their indexes. */
function publishMesh(created: RelayWorld, count: number): bigint[] {
  const { publisher } = created.upstream;
  const indexes: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const index = publisher.index + 1n;
    publisher.publish([meshEvent(index)]);
    indexes.push(index);
  }
  return indexes;
}

describe("SPEC L1, L2: an unshared topic on the direct path", () => {
  test("a stalled reader loses nothing and stalls no other stream", async () => {
    const world = relays.adopt(await meshWorld());
    publishMesh(world, 1);
    const slow = new RawStream(relays.connect(world.server.url), meshRequest);
    await slow.waitFor(1); // the (empty) snapshot: EndOfSnapshot
    slow.stream.pause();
    const fast = world.open(meshRequest);
    await fast.snapshot();
    const indexes = publishMesh(world, 3000);
    expect((await take(fast, indexes.length)).map((e) => e.Index)).toEqual(indexes);
    expect(slow.events.length).toBeLessThan(1 + indexes.length);
    slow.stream.resume();
    expect((await slow.waitFor(1 + indexes.length)).slice(1).map((e) => e.Index)).toEqual(indexes);
    expect(world.relay.stats()).toMatchObject({ upstreamStreams: 2, downstreamStreams: 2 });
  }, 30_000);

  test("a reset releases the stream's own upstream stream (S8)", async () => {
    const world = relays.adopt(await meshWorld());
    publishMesh(world, 1);
    const session = relays.connect(world.server.url);
    const first = new RawStream(session, meshRequest);
    await first.waitFor(1);
    expect(world.relay.stats()).toMatchObject({ upstreamStreams: 1, downstreamStreams: 1 });
    first.cancel();
    const second = new RawStream(session, meshRequest);
    await second.waitFor(1);
    const index = publishMesh(world, 1)[0];
    expect((await second.waitFor(2))[1]?.Index).toBe(index);
    expect(world.relay.stats()).toMatchObject({ upstreamStreams: 1, downstreamStreams: 1 });
  }, 15_000);

  test("relay.shutdown() ends it with Unavailable and closes its upstream stream (S7)", async () => {
    const world = relays.adopt(await meshWorld());
    publishMesh(world, 1);
    const reader = world.open(meshRequest, "grpc-web-h2");
    await reader.snapshot();
    world.relay.shutdown();
    await expect(reader.next()).rejects.toMatchObject({ code: Code.Unavailable });
    expect(world.relay.stats()).toMatchObject({ upstreamStreams: 0, downstreamStreams: 0 });
  }, 15_000);
});

describe("SPEC L1, L2: HTTP/1.1 readers on the direct path", () => {
  test("a Connect stream over HTTP/1.1 that stops reading stalls no other and, read again, gets every event once, in order", async () => {
    const world = await relays.start();
    const { catalog } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const frames: Buffer[] = [];
    let pending = Buffer.alloc(0);
    const waiters: { count: number; resolve: () => void }[] = [];
    const request = http.request(`${world.server.url}${SUBSCRIBE}`, {
      method: "POST",
      headers: { "content-type": "application/connect+proto" },
      agent: false,
    });
    relays.cleanup(() => request.destroy());
    request.on("error", () => {});
    const response = await new Promise<http.IncomingMessage>((resolve) => {
      request.on("response", resolve);
      request.end(requestBody(healthRequest("web")));
    });
    response.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
        const length = pending.readUInt32BE(1);
        frames.push(pending.subarray(5, 5 + length));
        pending = pending.subarray(5 + length);
      }
      for (const waiter of waiters.filter((w) => frames.length >= w.count)) waiter.resolve();
    });
    const waitFor = (count: number) =>
      frames.length >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ count, resolve }));
    await waitFor(2);
    response.pause();
    const fast = new StreamReader(
      createClient(
        StateChangeSubscription,
        node.createConnectTransport({ baseUrl: world.server.url, httpVersion: "1.1" }),
      ),
      healthRequest("web"),
    );
    relays.cleanup(() => fast.close());
    await fast.snapshot();
    const indexes: bigint[] = [];
    for (let i = 0; i < 3000; i++) {
      indexes.push(catalog.setStatus("n1", "web-1", i % 2 ? "warning" : "passing"));
    }
    expect((await take(fast, indexes.length)).map((e) => e.Index)).toEqual(indexes);
    expect(frames.length).toBeLessThan(2 + indexes.length);
    response.resume();
    await waitFor(2 + indexes.length);
    const got = frames.slice(2).map((frame) => fromBinary(EventSchema, frame).Index);
    expect(got).toEqual(indexes);
  }, 30_000);
});
