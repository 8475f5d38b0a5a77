import { create } from "@bufbuild/protobuf";
import { CatalogOp, SubscribeRequestSchema, Topic } from "react-submatview/gen";
import { EventPublisher } from "react-submatview/server";
import { expect, test } from "vitest";

const collect = async () => {
  // WeakRef targets survive until the current job ends: yield a task, then collect.
  await new Promise((resolve) => setImmediate(resolve));
  (globalThis as { gc?: () => void }).gc!();
  await new Promise((resolve) => setImmediate(resolve));
};

test("SPEC S4: an item is released once no cursor points at or before it, and kept while one does", async () => {
  expect(typeof (globalThis as { gc?: unknown }).gc).toBe("function");
  const publisher = new EventPublisher({ snapshotCacheTtlMs: 0 });
  publisher.registerTopic(Topic.ServiceHealth, () => 1n);
  const request = create(SubscribeRequestSchema, {
    Topic: Topic.ServiceHealth,
    Subject: { case: "NamedSubject", value: { Key: "web" } },
  });
  const signal = new AbortController().signal;
  const fast = publisher.subscribe(request);
  const slow = publisher.subscribe(request);
  await fast.next(signal); // EndOfSnapshot
  const publish = (index: bigint) =>
    publisher.publish([
      {
        topic: Topic.ServiceHealth,
        subject: "web",
        index,
        payload: {
          case: "ServiceHealth",
          value: { Op: CatalogOp.Register, CheckServiceNode: { Service: { ID: `x${index}` } } },
        },
      },
    ]);
  publish(2n);
  const first = new WeakRef(await fast.next(signal));
  publish(3n);
  publish(4n);
  await fast.next(signal);
  await fast.next(signal);

  // The slow reader has not read anything: its cursor pins the whole chain.
  await collect();
  expect(first.deref()).toBeDefined();

  // Once it lets go, nothing points at the first item any more: it is garbage.
  slow.unsubscribe();
  await collect();
  expect(first.deref()).toBeUndefined();
  fast.unsubscribe();
  expect(publisher.stats()).toEqual({ subscribers: 0, buffers: 0, cachedSnapshots: 0 });
});
