// SPEC P4/P5/S3/S6: publish() refuses indexes that would break streams — outside uint64 (no
// stream could encode them) or at or below an index a snapshot already reported (subscribers at
// that snapshot would silently skip the event) — and stays usable after a refusal.
import { create, toBinary } from "@bufbuild/protobuf";
import { CatalogOp, EventSchema, SubscribeRequestSchema, Topic } from "react-submatview/gen";
import { EventPublisher, type PublishEvent, type Subscription } from "react-submatview/server";
import { describe, expect, test } from "vitest";
import { deferred } from "../support/deferred.js";
import { describe as show } from "../support/server.js";
import { serverStreams } from "../support/server-streams.js";

const MAX_UINT64 = 2n ** 64n - 1n;
const signal = new AbortController().signal;

const at = (index: bigint, id = `x${index}`): PublishEvent => ({
  topic: Topic.MeshConfig,
  subject: "web",
  index,
  payload: {
    case: "ServiceHealth",
    value: { Op: CatalogOp.Register, CheckServiceNode: { Service: { ID: id } } },
  },
});

const request = (Index = 0n) =>
  create(SubscribeRequestSchema, {
    Topic: Topic.MeshConfig,
    Index,
    Subject: { case: "NamedSubject", value: { Key: "web" } },
  });

/** Reads one item and encodes it as the wire would: proves every stream can still send it. */
async function readWire(sub: Subscription): Promise<string> {
  const item = await sub.next(signal);
  for (const event of item.events) toBinary(EventSchema, event);
  return item.events.map(show).join(",");
}

function publisherWith(snapshotIndex: bigint | (() => bigint | Promise<bigint>)) {
  const publisher = new EventPublisher({ snapshotCacheTtlMs: 0 });
  const fn = typeof snapshotIndex === "bigint" ? () => snapshotIndex : snapshotIndex;
  publisher.registerTopic(Topic.MeshConfig, () => fn());
  return publisher;
}

describe("SPEC P4: publish() takes only uint64 indexes above 0", () => {
  test.each([
    ["2^64", 2n ** 64n],
    ["2^70", 2n ** 70n],
    ["0", 0n],
    ["-1", -1n],
  ])("index %s is refused, the publisher's index is unchanged", (_name, index) => {
    const publisher = publisherWith(1n);
    publisher.publish([at(2n)]);
    expect(() => publisher.publish([at(index)])).toThrow(/uint64/);
    expect(publisher.index).toBe(2n);
  });

  test("an index that is not a bigint is refused (a JavaScript caller passing a number)", () => {
    const publisher = publisherWith(1n);
    const event = { ...at(2n), index: 5 as unknown as bigint };
    expect(() => publisher.publish([event])).toThrow(/bigint/);
    expect(publisher.index).toBe(0n);
  });

  test("2^64-1 is accepted and encodes", async () => {
    const publisher = publisherWith(1n);
    const sub = publisher.subscribe(request());
    await readWire(sub);
    publisher.publish([at(MAX_UINT64)]);
    expect(await readWire(sub)).toBe(`${MAX_UINT64}:reg:x${MAX_UINT64}`);
    sub.unsubscribe();
  });

  test("a refusal in the middle of a burst leaves later valid publishes working", async () => {
    const publisher = publisherWith(1n);
    const sub = publisher.subscribe(request());
    expect(await readWire(sub)).toBe("1:EndOfSnapshot");
    publisher.publish([at(2n)]);
    expect(() => publisher.publish([at(2n ** 64n)])).toThrow(/uint64/);
    expect(() => publisher.publish([at(3n), at(2n ** 64n)])).toThrow();
    publisher.publish([at(3n)]);
    publisher.publish([at(4n)]);
    expect([await readWire(sub), await readWire(sub), await readWire(sub)]).toEqual([
      "2:reg:x2",
      "3:reg:x3",
      "4:reg:x4",
    ]);
    sub.unsubscribe();
  });

  test("a snapshot function returning an index above uint64 fails that stream, not the publisher", async () => {
    let snapshotIndex = 2n ** 64n;
    const publisher = publisherWith(() => snapshotIndex);
    const bad = publisher.subscribe(request());
    await expect(bad.next(signal)).rejects.toThrow(/uint64/);
    bad.unsubscribe();
    snapshotIndex = 2n;
    publisher.publish([at(2n)]);
    const good = publisher.subscribe(request());
    expect(await readWire(good)).toBe("2:EndOfSnapshot");
    good.unsubscribe();
  });
});

describe("SPEC P5/S6: publish() never goes at or below an index a snapshot reported", () => {
  test("an empty snapshot reported at 1: publishing at 1 is refused with the fix, 2 is delivered", async () => {
    const publisher = publisherWith(0n);
    const sub = publisher.subscribe(request());
    expect(await readWire(sub)).toBe("1:EndOfSnapshot");
    expect(() => publisher.publish([at(1n)])).toThrow(
      /index 1 .*already reported .*snapshot.*above/,
    );
    expect(publisher.index).toBe(0n);
    publisher.publish([at(2n)]);
    expect(await readWire(sub)).toBe("2:reg:x2");
    sub.unsubscribe();
  });

  test("a snapshot that reports an index ahead of the last publish sets the floor", async () => {
    const publisher = publisherWith(5n);
    publisher.publish([at(2n)]);
    const sub = publisher.subscribe(request());
    expect(await readWire(sub)).toBe("5:EndOfSnapshot");
    expect(() => publisher.publish([at(4n)])).toThrow(/already reported/);
    expect(() => publisher.publish([at(5n)])).toThrow(/already reported/);
    publisher.publish([at(6n)]);
    expect(await readWire(sub)).toBe("6:reg:x6");
    sub.unsubscribe();
  });

  test("the floor holds after every subscriber left (a client may resume at that index)", async () => {
    const publisher = publisherWith(0n);
    publisher.subscribe(request()).unsubscribe();
    expect(() => publisher.publish([at(1n)])).toThrow(/already reported/);
  });

  test("publishes during an async snapshot are spliced, not refused; the floor applies once it is reported", async () => {
    const done = deferred<bigint>();
    const publisher = publisherWith(() => done.promise);
    const sub = publisher.subscribe(request());
    const first = readWire(sub);
    publisher.publish([at(2n)]);
    publisher.publish([at(3n)]);
    done.resolve(2n);
    expect(await first).toBe("2:EndOfSnapshot");
    expect(await readWire(sub)).toBe("3:reg:x3");
    publisher.publish([at(4n)]);
    expect(await readWire(sub)).toBe("4:reg:x4");
    sub.unsubscribe();
  });
});

const streams = serverStreams();

describe("SPEC P4/S3 over real HTTP: a refused publish leaves every stream working", () => {
  test("after publish(2^64) is refused, the stream still delivers the next valid event", async () => {
    const server = await streams.start({ snapshotCacheTtlMs: 0 });
    server.publisher.registerTopic(Topic.MeshConfig, () => 1n);
    const reader = streams.open(request());
    expect((await reader.snapshot()).map(show)).toEqual(["1:EndOfSnapshot"]);
    expect(() => server.publisher.publish([at(2n ** 64n)])).toThrow(/uint64/);
    server.publisher.publish([at(2n)]);
    expect(show(await reader.next())).toBe("2:reg:x2");
  });
});
