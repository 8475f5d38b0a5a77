/**
 * The resume handshake's edges (SPEC P5, S6, M3, M4, M8): a resume the server cannot serve
 * (NewSnapshotToFollow) still resets correctly after the "accepted" header made the view live;
 * and a server that does not flush headers early (as Consul's, here connect-node's adapter with
 * the package's service and no `serve()`) keeps today's behaviour: `reconnecting` until an event.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { StateChangeSubscription, SubscribeRequestSchema } from "react-submatview/gen";
import { createSubscribeService, EventPublisher, HealthCatalog } from "react-submatview/server";
import { afterEach, describe, expect, test } from "vitest";
import { deferred } from "../support/deferred.js";
import {
  createTestTransport,
  healthRequest,
  type Protocol,
  startTestServer,
} from "../support/server.js";
import { ids, materialize, within } from "../support/web-materializer.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("SPEC S6/M3/M8: a resume answered with NewSnapshotToFollow still resets", () => {
  test.each(["connect", "grpc-web-h2", "grpc", "connect-fetch"] as Protocol[])(
    "%s",
    { timeout: 15_000 },
    async (protocol) => {
      const server = await startTestServer({ snapshotCacheTtlMs: 0 });
      cleanups.push(() => server.close());
      const keeper = server.publisher.subscribe(
        create(SubscribeRequestSchema, healthRequest("web")),
      );
      cleanups.push(() => keeper.unsubscribe());
      const first = server.catalog.register({ node: "n1", service: "web", id: "web-1" });
      // minFailures 0: the first retry waits 200 ms, long enough to change the subject meanwhile.
      const m = materialize(server.transport(protocol), { minFailures: 0 });
      cleanups.push(m.stop);
      await m.until((s) => s.status === "live" && s.index === first);

      const backoff = m.waiterTimers.scheduled();
      server.server.dropConnections();
      await within(backoff, 5_000, () => "no backoff timer after the drop");
      // The buffer moves past the client's index: the resume at `first` is stale (S6).
      const second = server.catalog.register({ node: "n2", service: "web", id: "web-2" });
      const query = new AbortController();
      cleanups.push(() => query.abort());
      const pending = m.materializer.fetch({ minIndex: first, signal: query.signal });
      const seen = m.states.length;
      m.waiterTimers.advance(200);

      const after = await m.until((s) => s.index === second);
      expect(after).toMatchObject({ status: "live", error: undefined, resets: 1 });
      expect(ids(after)).toEqual(["web-1", "web-2"]);
      expect(m.requests.map((r) => r.Index)).toEqual([0n, first]);
      // Accepted (header: live again at the old index), then the new snapshot in one update.
      const resumed = m.states.slice(seen);
      expect(resumed.map((s) => [s.status, s.index, s.error, s.resets])).toEqual([
        ["live", first, undefined, 0],
        ["live", second, undefined, 1],
      ]);
      // The query waited past the header and got the new snapshot, not the header's state.
      const result = await within(pending, 5_000, () => "the blocking query was not answered");
      expect(result.index).toBe(second);
      expect(ids({ ...after, value: result.value })).toEqual(["web-1", "web-2"]);
    },
  );
});

/** connect-node's adapter serving the package's service, without `serve()`'s early headers. */
async function plainServer() {
  const publisher = new EventPublisher({ snapshotCacheTtlMs: 0 });
  const catalog = new HealthCatalog(publisher);
  const adapter = connectNodeAdapter({
    routes: (router) => router.service(StateChangeSubscription, createSubscribeService(publisher)),
  });
  const sockets = new Set<import("node:net").Socket>();
  const server = http.createServer(adapter);
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(() => {
    publisher.shutdown();
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  const drop = () => {
    for (const socket of sockets) socket.destroy();
  };
  return { publisher, catalog, url, drop };
}

test("SPEC M4: without early headers a quiet resume stays reconnecting until an event", {
  timeout: 15_000,
}, async () => {
  const server = await plainServer();
  const keeper = server.publisher.subscribe(create(SubscribeRequestSchema, healthRequest("web")));
  cleanups.push(() => keeper.unsubscribe());
  const first = server.catalog.register({ node: "n1", service: "web", id: "web-1" });
  const m = materialize(createTestTransport(server.url, "connect"));
  cleanups.push(m.stop);
  await m.until((s) => s.status === "live" && s.index === first);

  // Resolves when the server has accepted the client's resume (the keeper subscribed at 0).
  const accepted = deferred();
  const subscribe = server.publisher.subscribe.bind(server.publisher);
  server.publisher.subscribe = (request) => {
    const subscription = subscribe(request);
    if (request.Index > 0n) accepted.resolve();
    return subscription;
  };
  server.drop();
  await m.until((s) => s.status === "reconnecting");
  await within(accepted.promise, 5_000, () => "the resume never reached the server");
  // One more turn of the event loop: nothing is in flight that could make it live.
  await new Promise((resolve) => setImmediate(resolve));
  expect(m.materializer.getSnapshot().status).toBe("reconnecting");

  const second = server.catalog.register({ node: "n2", service: "web", id: "web-2" });
  const after = await m.until((s) => s.index === second);
  expect(after).toMatchObject({ status: "live", error: undefined, resets: 0 });
  expect(m.requests.map((r) => r.Index)).toEqual([0n, first]);
});
