// Liveness across server restarts on one port (SPEC M2, M6): every client stream has a server
// subscription behind it once the server is back. A stream the old server accepted but never
// answered must fail on the client (and be retried), not stay open with nothing behind it.

import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import {
  Materializer,
  RetryWaiter,
  type ServiceHealthResult,
  ServiceHealthView,
  type StreamClient,
} from "react-submatview/core";
import { StateChangeSubscription, SubscribeRequestSchema } from "react-submatview/gen";
import type { Authorizer } from "react-submatview/server";
import { afterEach, beforeEach, expect, test } from "vitest";
import { deferred } from "../support/deferred.js";
import {
  countSubscriptions,
  createTestTransport,
  healthRequest,
  type Protocol,
  startTestServer,
  type TestServer,
} from "../support/server.js";

const STREAMS = 20;
const ROUNDS = 5;

let server: TestServer | undefined;
let stop: AbortController;
beforeEach(() => {
  stop = new AbortController();
});
afterEach(async () => {
  stop.abort();
  await server?.close();
});

/** Rejects with `message()` if `promise` has not settled within `ms`: a hang fails, bounded. */
function within<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A stream client that counts the streams open on the client side. */
function countingClient(protocol: Protocol, url: string) {
  const client = createClient(StateChangeSubscription, createTestTransport(url, protocol));
  const counter = { open: 0 };
  const counting: StreamClient = {
    async *subscribe(request, options) {
      counter.open++;
      try {
        yield* client.subscribe(request, options);
      } finally {
        counter.open--;
      }
    },
  };
  return { client: counting, counter };
}

/**
 * An authorizer that holds every handler before it answers (the request is accepted, no
 * response yet) and resolves `arrived` once `count` requests have reached it.
 */
function holdingAuthorizer(count: number) {
  let seen = 0;
  const arrived = deferred();
  const authorizer: Authorizer = () => {
    if (++seen === count) arrived.resolve();
    return new Promise(() => {});
  };
  return { authorizer, arrived: arrived.promise, seen: () => seen };
}

for (const protocol of ["grpc", "connect-h2"] as const) {
  test(`${protocol}: after ${ROUNDS} restarts on one port, every client stream has a server subscription`, async () => {
    server = await startTestServer({}, { closeGraceMs: 20 });
    server.catalog.populate({ services: 4, instancesPerService: 2, seed: 1 });
    const port = server.server.port;
    const { client, counter } = countingClient(protocol, server.url);
    const opened = countSubscriptions(server.publisher);
    const materializers = Array.from({ length: STREAMS }, (_, i) => {
      const materializer = new Materializer<ServiceHealthResult>({
        view: new ServiceHealthView(),
        client,
        waiter: new RetryWaiter({ factorMs: 1, maxWaitMs: 20, jitterPercent: 0 }),
        request: (index) =>
          create(SubscribeRequestSchema, { ...healthRequest(`service-0${i % 4}`), Index: index }),
      });
      void materializer.run(stop.signal);
      return materializer;
    });
    await within(opened(STREAMS), 10_000, () => "the first server never saw every stream");
    const state = () =>
      `${counter.open} client streams open, ${materializers.filter((m) => m.getSnapshot().status === "live").length} live`;

    for (let round = 1; round <= ROUNDS; round++) {
      await server.close();
      // This server accepts every request and closes before answering any: the window in
      // which a restart used to leave one client stream open with nothing behind it.
      const held = holdingAuthorizer(STREAMS);
      server = await startTestServer({ authorizer: held.authorizer }, { port, closeGraceMs: 20 });
      await within(
        held.arrived,
        10_000,
        () => `round ${round}: ${held.seen()} of ${STREAMS} streams reached the server; ${state()}`,
      );
    }

    await server.close();
    server = await startTestServer({}, { port, closeGraceMs: 20 });
    server.catalog.populate({ services: 4, instancesPerService: 2, seed: 1 });
    await within(
      countSubscriptions(server.publisher)(STREAMS),
      10_000,
      () => `server: ${server?.publisher.stats().subscribers} subscriptions; ${state()}`,
    );
    expect(server.publisher.stats().subscribers).toBe(STREAMS);
    expect(counter.open).toBe(STREAMS);
  }, 90_000);
}
