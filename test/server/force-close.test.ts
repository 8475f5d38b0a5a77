// SPEC S7: once a subscription is closed (forceCloseToken, refreshTopic, shutdown) nothing more
// is delivered — not the rest of a snapshot, not a backlog of live events a slow reader has not
// read yet (Consul checks the subscription's state before and after every item).
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { CatalogOp, type Event, SubscribeRequestSchema, Topic } from "react-submatview/gen";
import {
  EventPublisher,
  type SnapshotEvent,
  type Subscription,
  subjectKey,
} from "react-submatview/server";
import { describe, expect, test } from "vitest";
import { deferred } from "../support/deferred.js";
import { type StreamReader, describe as show } from "../support/server.js";
import { serverStreams } from "../support/server-streams.js";

const BACKLOG = 200;

const reg = (id: string, index: bigint) => ({
  index,
  payload: {
    case: "ServiceHealth" as const,
    value: { Op: CatalogOp.Register, CheckServiceNode: { Service: { ID: id, Service: "web" } } },
  },
});

const request = (token = "t", service = "web") =>
  create(SubscribeRequestSchema, {
    Topic: Topic.ServiceHealth,
    Token: token,
    Subject: { case: "NamedSubject", value: { Key: service } },
  });

function publishBurst(publisher: EventPublisher, from: bigint, count: number, service = "web") {
  for (let i = 0; i < count; i++) {
    const index = from + BigInt(i);
    publisher.publish([
      { topic: Topic.ServiceHealth, subject: subjectKey(service), ...reg(`x${index}`, index) },
    ]);
  }
}

/** What `next()` settles with: an event's description, or the error's code and message. */
async function outcome(sub: Subscription, signal: AbortSignal): Promise<string> {
  return sub.next(signal).then(
    (item) => `event ${item.index}`,
    (error: unknown) => {
      const e = ConnectError.from(error);
      return `${Code[e.code]}: ${e.rawMessage}`;
    },
  );
}

describe("SPEC S7: in-process, a closed subscription delivers nothing more", () => {
  const signal = new AbortController().signal;

  function emptyPublisher() {
    const publisher = new EventPublisher({ snapshotCacheTtlMs: 0 });
    publisher.registerTopic(Topic.ServiceHealth, () => 1n);
    return publisher;
  }

  test("forceCloseToken with a live backlog the reader has not read: the next read is Aborted", async () => {
    const publisher = emptyPublisher();
    const sub = publisher.subscribe(request());
    expect((await sub.next(signal)).events[0]?.Payload.case).toBe("EndOfSnapshot");
    publishBurst(publisher, 2n, BACKLOG);
    publisher.forceCloseToken("t");
    expect(await outcome(sub, signal)).toMatch(/^Aborted: /);
    expect(await outcome(sub, signal)).toMatch(/^Aborted: /);
    sub.unsubscribe();
  });

  test("a read already waiting when the backlog lands and the token is revoked is Aborted too", async () => {
    const publisher = emptyPublisher();
    const sub = publisher.subscribe(request());
    await sub.next(signal);
    const pending = outcome(sub, signal);
    publishBurst(publisher, 2n, BACKLOG);
    publisher.forceCloseToken("t");
    expect(await pending).toMatch(/^Aborted: /);
    sub.unsubscribe();
  });

  test("forceCloseToken mid-snapshot: the rest of a built snapshot is not handed out", async () => {
    const publisher = new EventPublisher({ snapshotCacheTtlMs: 0 });
    publisher.registerTopic(Topic.ServiceHealth, (_req, append) => {
      for (let i = 0; i < BACKLOG; i++) append([reg(`s${i}`, 5n)]);
      return 5n;
    });
    const sub = publisher.subscribe(request());
    for (let i = 0; i < 3; i++) expect(await outcome(sub, signal)).toBe("event 5");
    publisher.forceCloseToken("t");
    expect(await outcome(sub, signal)).toMatch(/^Aborted: /);
    sub.unsubscribe();
  });

  test("forceCloseToken while an async snapshot is still being appended", async () => {
    const publisher = new EventPublisher({ snapshotCacheTtlMs: 0 });
    const appending = deferred<(events: readonly SnapshotEvent[]) => void>();
    const done = deferred<bigint>();
    publisher.registerTopic(Topic.ServiceHealth, (_req, append) => {
      appending.resolve(append);
      return done.promise;
    });
    const sub = publisher.subscribe(request());
    const append = await appending.promise;
    append([reg("s0", 5n)]);
    expect(await outcome(sub, signal)).toBe("event 5");
    const pending = outcome(sub, signal);
    for (let i = 1; i <= BACKLOG; i++) append([reg(`s${i}`, 5n)]);
    publisher.forceCloseToken("t");
    done.resolve(5n);
    expect(await pending).toMatch(/^Aborted: /);
    sub.unsubscribe();
  });

  test("refreshTopic while a slow reader has a backlog: the slow reader gets none of it", async () => {
    const publisher = emptyPublisher();
    const fast = publisher.subscribe(request("a"));
    const slow = publisher.subscribe(request("b"));
    await fast.next(signal);
    await slow.next(signal);
    publishBurst(publisher, 2n, BACKLOG);
    for (let i = 0; i < BACKLOG; i++) await fast.next(signal);
    publisher.refreshTopic(Topic.ServiceHealth);
    expect(await outcome(slow, signal)).toMatch(/^Aborted: /);
    expect(await outcome(fast, signal)).toMatch(/^Aborted: /);
    fast.unsubscribe();
    slow.unsubscribe();
  });

  test("shutdown with a backlog: the next read fails with 'shutting down'", async () => {
    const publisher = emptyPublisher();
    const sub = publisher.subscribe(request());
    await sub.next(signal);
    publishBurst(publisher, 2n, BACKLOG);
    publisher.shutdown();
    expect(await outcome(sub, signal)).toMatch(/server is shutting down/);
    sub.unsubscribe();
  });

  test("another token's streams keep their backlog", async () => {
    const publisher = emptyPublisher();
    const revoked = publisher.subscribe(request("revoked"));
    const other = publisher.subscribe(request("other"));
    await revoked.next(signal);
    await other.next(signal);
    publishBurst(publisher, 2n, 3);
    publisher.forceCloseToken("revoked");
    expect(await outcome(revoked, signal)).toMatch(/^Aborted: /);
    for (const index of [2, 3, 4]) expect(await outcome(other, signal)).toBe(`event ${index}`);
    revoked.unsubscribe();
    other.unsubscribe();
  });
});

const streams = serverStreams();

describe("SPEC S7: over real HTTP, a revoked token receives zero events after the close", () => {
  const meshConfig = {
    Topic: Topic.MeshConfig,
    Token: "t",
    Subject: { case: "NamedSubject", value: { Key: "web" } },
  } as const;

  const nextOutcome = (reader: StreamReader) =>
    reader.next().then(
      (event: Event) => `event ${show(event)}`,
      (error: unknown) => `${Code[ConnectError.from(error).code]}`,
    );

  test("a live backlog published and revoked in one tick never reaches the client", async () => {
    const server = await streams.start({ snapshotCacheTtlMs: 0 });
    server.publisher.registerTopic(Topic.MeshConfig, () => 1n);
    const reader = streams.open(meshConfig);
    expect((await reader.snapshot()).map(show)).toEqual(["1:EndOfSnapshot"]);
    for (let i = 2n; i < 2n + BigInt(BACKLOG); i++) {
      server.publisher.publish([{ topic: Topic.MeshConfig, subject: "web", ...reg(`x${i}`, i) }]);
    }
    server.publisher.forceCloseToken("t");
    expect(await nextOutcome(reader)).toBe("Aborted");
  });

  test("a token revoked while its stream is mid-snapshot gets none of the rest", async () => {
    const server = await streams.start({ snapshotCacheTtlMs: 0 });
    const appending = deferred<(events: readonly SnapshotEvent[]) => void>();
    const done = deferred<bigint>();
    server.publisher.registerTopic(Topic.MeshConfig, (_req, append) => {
      appending.resolve(append);
      return done.promise;
    });
    const reader = streams.open(meshConfig);
    const first = reader.next();
    const append = await appending.promise;
    append([reg("s0", 7n)]);
    expect(show(await first)).toBe("7:reg:s0");
    for (let i = 1; i <= BACKLOG; i++) append([reg(`s${i}`, 7n)]);
    server.publisher.forceCloseToken("t");
    done.resolve(7n);
    expect(await nextOutcome(reader)).toBe("Aborted");
  });
});
