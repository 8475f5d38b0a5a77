// Review of the publisher's snapshots (SPEC S5, S3): a snapshot function's `append` is only
// valid until the snapshot completes. Called later (a leaked callback, an unawaited task), it
// must not reach the live topic buffer the snapshot was spliced onto.
import { create } from "@bufbuild/protobuf";
import { CatalogOp, SubscribeRequestSchema, Topic } from "react-submatview/gen";
import { EventPublisher, type SnapshotEvent, subjectKey } from "react-submatview/server";
import { describe, expect, test } from "vitest";

const signal = new AbortController().signal;

const request = () =>
  create(SubscribeRequestSchema, {
    Topic: Topic.ServiceHealth,
    Subject: { case: "NamedSubject", value: { Key: "web" } },
  });

const reg = (id: string, index: bigint) => ({
  index,
  payload: {
    case: "ServiceHealth" as const,
    value: { Op: CatalogOp.Register, CheckServiceNode: { Service: { ID: id, Service: "web" } } },
  },
});

describe("review: append after the snapshot completed (SPEC S5, S3)", () => {
  test("SPEC S5: a late append throws; live subscribers see no snapshot event and publishing goes on", async () => {
    const publisher = new EventPublisher();
    let late: ((events: readonly SnapshotEvent[]) => void) | undefined;
    publisher.registerTopic(Topic.ServiceHealth, (_req, append) => {
      append([reg("a", 5n)]);
      late = append;
      return 5n;
    });
    const sub = publisher.subscribe(request());
    const seen: string[] = [];
    for (;;) {
      const item = await sub.next(signal);
      seen.push(`${item.index}:${item.events[0]?.Payload.case}`);
      if (item.events[0]?.Payload.case === "EndOfSnapshot") break;
    }
    expect(seen).toEqual(["5:ServiceHealth", "5:EndOfSnapshot"]);

    expect(() => late?.([reg("stale", 5n)])).toThrow(/snapshot/);
    // Before the fix the late event went into the live buffer (an index-5 event after
    // EndOfSnapshot@5) and the next publish threw "buffer link already set".
    publisher.publish([
      { topic: Topic.ServiceHealth, subject: subjectKey("web"), ...reg("b", 6n) },
    ]);
    const item = await sub.next(signal);
    expect(item.events.map((e) => `${e.Index}`)).toEqual(["6"]);
    sub.unsubscribe();
  });
});
