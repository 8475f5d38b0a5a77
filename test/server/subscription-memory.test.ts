// SPEC S4/S8: a long-lived stream's memory does not grow with the number of events it has
// delivered (no per-read AbortSignal.any, which Node 20 keeps until its sources die).
import { create } from "@bufbuild/protobuf";
import { CatalogOp, SubscribeRequestSchema, Topic } from "react-submatview/gen";
import { EventPublisher } from "react-submatview/server";
import { expect, test } from "vitest";

const gc = (globalThis as { gc?: () => void }).gc;

const heapAfterCollect = async () => {
  await new Promise((resolve) => setImmediate(resolve));
  gc!();
  await new Promise((resolve) => setImmediate(resolve));
  gc!();
  return process.memoryUsage().heapUsed;
};

const EVENTS = 300_000;

test("SPEC S4: heap growth over 300k events read on one long-lived stream stays bounded", {
  timeout: 60_000,
}, async () => {
  expect(typeof gc).toBe("function");
  const publisher = new EventPublisher({ snapshotCacheTtlMs: 0 });
  publisher.registerTopic(Topic.ServiceHealth, () => 1n);
  const sub = publisher.subscribe(
    create(SubscribeRequestSchema, {
      Topic: Topic.ServiceHealth,
      Subject: { case: "NamedSubject", value: { Key: "web" } },
    }),
  );
  // One signal for the stream's whole life, as the subscribe service passes ctx.signal.
  const signal = new AbortController().signal;
  await sub.next(signal); // EndOfSnapshot
  const payload = {
    case: "ServiceHealth" as const,
    value: { Op: CatalogOp.Register, CheckServiceNode: { Service: { ID: "web-1" } } },
  };
  let index = 1n;
  const publishOne = () =>
    publisher.publish([{ topic: Topic.ServiceHealth, subject: "web", index: ++index, payload }]);
  // Half the reads wait for their event (the listener path), half find it already there.
  const run = async (count: number) => {
    for (let i = 0; i < count; i += 2) {
      const waiting = sub.next(signal);
      publishOne();
      await waiting;
      publishOne();
      await sub.next(signal);
    }
  };
  await run(10_000); // warm up the JIT and the allocator
  const before = await heapAfterCollect();
  await run(EVENTS);
  const growth = (await heapAfterCollect()) - before;
  expect(index).toBe(BigInt(EVENTS + 10_000 + 1));
  // Retaining ~100 bytes per event would be ~30 MB here.
  expect(growth).toBeLessThan(4 * 1024 * 1024);
  sub.unsubscribe();
});
