// Review of the publisher (SPEC S6, S7, P5): after refreshTopic no stream may resume onto the
// topic's old buffer. Its sources call refreshTopic when their live feed missed entries (the
// Redis event source) or their state was restored: a client resuming at the old buffer's
// newest index would silently skip what was missed. A closed stream whose handler is parked
// in a write, or a fresh subscriber that arrives first, keeps that buffer alive.
import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { CatalogOp, SubscribeRequestSchema, Topic } from "react-submatview/gen";
import { EventPublisher, subjectKey } from "react-submatview/server";
import { describe, expect, test } from "vitest";

const signal = new AbortController().signal;

const request = (index = 0n) =>
  create(SubscribeRequestSchema, {
    Topic: Topic.ServiceHealth,
    Index: index,
    Subject: { case: "NamedSubject", value: { Key: "web" } },
  });

const reg = (id: string, index: bigint) => ({
  topic: Topic.ServiceHealth,
  subject: subjectKey("web"),
  index,
  payload: {
    case: "ServiceHealth" as const,
    value: { Op: CatalogOp.Register, CheckServiceNode: { Service: { ID: id, Service: "web" } } },
  },
});

/** The first item a subscription hands out: its first event's index and payload case. */
const first = async (publisher: EventPublisher, index: bigint) => {
  const sub = publisher.subscribe(request(index));
  // A live event after the resume point: a resumed stream would hand it out first.
  publisher.publish([reg(`after-${index}`, publisher.index + 1n)]);
  const item = await sub.next(signal);
  sub.unsubscribe();
  return `${item.index}:${item.events[0]?.Payload.case}`;
};

describe("review: refreshTopic ends resumption from the old buffer (SPEC S6, S7)", () => {
  test("SPEC S6/S7: a closed stream still holding the buffer: a resume at its tail gets NewSnapshotToFollow", async () => {
    const publisher = new EventPublisher({ snapshotCacheTtlMs: 0 });
    publisher.registerTopic(Topic.ServiceHealth, () => publisher.index || 1n);
    const parked = publisher.subscribe(request()); // its handler never reads again
    publisher.publish([reg("a", 2n)]);
    publisher.refreshTopic(Topic.ServiceHealth);
    await expect(parked.next(signal)).rejects.toMatchObject({ code: Code.Aborted });
    // Before the fix: "3:ServiceHealth", a resume past the refresh.
    expect(await first(publisher, 2n)).toBe("0:NewSnapshotToFollow");
    parked.unsubscribe();
    expect(publisher.stats()).toEqual({ subscribers: 0, buffers: 0, cachedSnapshots: 0 });
  });

  test("SPEC S6/S7: a fresh subscriber that arrived first does not make the old buffer resumable", async () => {
    const publisher = new EventPublisher({ snapshotCacheTtlMs: 0 });
    publisher.registerTopic(Topic.ServiceHealth, () => publisher.index || 1n);
    const old = publisher.subscribe(request());
    publisher.publish([reg("a", 2n)]);
    publisher.refreshTopic(Topic.ServiceHealth);
    const fresh = publisher.subscribe(request()); // before the old stream let go
    old.unsubscribe();
    expect(await first(publisher, 2n)).toBe("0:NewSnapshotToFollow");
    // The fresh stream and a resume at its own position still work.
    const events: string[] = [];
    for (;;) {
      const item = await fresh.next(signal);
      events.push(`${item.index}:${item.events[0]?.Payload.case}`);
      if (item.index === 3n) break;
    }
    expect(events).toEqual(["2:EndOfSnapshot", "3:ServiceHealth"]);
    expect(await first(publisher, 3n)).toBe("4:ServiceHealth");
    fresh.unsubscribe();
    expect(publisher.stats()).toEqual({ subscribers: 0, buffers: 0, cachedSnapshots: 0 });
  });
});
