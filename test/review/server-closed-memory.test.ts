// Review of the subscription's memory (SPEC S4, S7): once a subscription is closed
// (forceCloseToken, refreshTopic, shutdown) nothing more is delivered, so nothing it holds may
// keep the topic buffer's later items alive — even while its handler stays parked in a `yield`
// whose write never completes (a client that stopped reading), with the buffer still appended.
import { create } from "@bufbuild/protobuf";
import { createHandlerContext } from "@connectrpc/connect";
import {
  CatalogOp,
  StateChangeSubscription,
  SubscribeRequestSchema,
  Topic,
} from "react-submatview/gen";
import { createSubscribeService, EventPublisher } from "react-submatview/server";
import { expect, test } from "vitest";

const gc = (globalThis as { gc?: () => void }).gc;

const heapAfterCollect = async () => {
  for (let i = 0; i < 2; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc!();
  }
  return process.memoryUsage().heapUsed;
};

const EVENTS = 100_000;

test("SPEC S4/S7: a force-closed stream parked in a write pins none of the events published after", {
  timeout: 60_000,
}, async () => {
  expect(typeof gc).toBe("function");
  const publisher = new EventPublisher({ snapshotCacheTtlMs: 0 });
  publisher.registerTopic(Topic.ServiceHealth, () => 1n);
  const service = createSubscribeService(publisher);
  const request = create(SubscribeRequestSchema, {
    Topic: Topic.ServiceHealth,
    Token: "revoked",
    Subject: { case: "NamedSubject", value: { Key: "web" } },
  });
  const context = createHandlerContext({
    service: StateChangeSubscription,
    method: StateChangeSubscription.method.subscribe,
    protocolName: "connect",
    requestMethod: "POST",
    url: "http://127.0.0.1/subscribe.StateChangeSubscription/Subscribe",
  });
  const stream = service.subscribe(request, context)[Symbol.asyncIterator]();
  // The handler yields EndOfSnapshot; its writer never asks for the next event.
  expect((await stream.next()).value).toMatchObject({ Payload: { case: "EndOfSnapshot" } });
  publisher.forceCloseToken("revoked");

  const publishMany = (from: bigint, count: number) => {
    for (let i = 0n; i < BigInt(count); i++) {
      publisher.publish([
        {
          topic: Topic.ServiceHealth,
          subject: "web",
          index: from + i,
          payload: {
            case: "ServiceHealth",
            value: {
              Op: CatalogOp.Register,
              CheckServiceNode: { Service: { ID: `web-${i}`, Tags: ["a", "b", "c"] } },
            },
          },
        },
      ]);
    }
  };
  publishMany(2n, 1_000); // warm up
  const before = await heapAfterCollect();
  publishMany(1_002n, EVENTS);
  const growth = (await heapAfterCollect()) - before;
  // Each retained item is several hundred bytes: ~40 MB if the closed stream pins them.
  expect(growth).toBeLessThan(8 * 1024 * 1024);

  context.abort();
  await stream.return?.(undefined);
  await publisher.idle();
  expect(publisher.stats()).toEqual({ subscribers: 0, buffers: 0, cachedSnapshots: 0 });
});
