import { Code, ConnectError } from "@connectrpc/connect";
import { ProtocolError, StreamResetError } from "react-submatview/core";
import { afterEach, describe, expect, test } from "vitest";
import {
  aborted,
  ids,
  isPending,
  startMaterializer,
  track,
  unavailable,
} from "../support/materializer.js";
import { ev } from "../support/pushable-client.js";

type Harness = ReturnType<typeof startMaterializer>;
let h: Harness;

afterEach(async () => {
  await h?.stop();
});

/** Starts a materializer and feeds it a snapshot of web-1, web-2 at index 10. */
async function live(filter = {}) {
  h = startMaterializer(filter);
  const stream = await h.client.next();
  const changed = h.changed();
  stream.push(ev.register(10n, "n1", "web-1"), ev.register(10n, "n2", "web-2"), ev.end(10n));
  await changed;
  return stream;
}

describe("SPEC M3/M4: snapshots and live events", () => {
  test("an empty snapshot gives index 1 and an empty (not undefined) node list", async () => {
    h = startMaterializer();
    expect(h.materializer.getSnapshot()).toMatchObject({
      status: "connecting",
      index: 0n,
      value: undefined,
    });
    const stream = await h.client.next();
    expect(stream.request.Index).toBe(0n);
    stream.push(ev.end(1n));
    const result = await h.materializer.fetch();
    expect(result.index).toBe(1n);
    expect(result.value?.nodes).toEqual([]);
    expect(h.materializer.getSnapshot().status).toBe("live");
  });

  test("a snapshot is applied in one update at EndOfSnapshot's index; the view never shows part of it", async () => {
    h = startMaterializer();
    const stream = await h.client.next();
    const changed = h.changed();
    stream.push(
      ev.register(7n, "n1", "web-1"),
      ev.batch(7n, [ev.register(7n, "n2", "web-2"), ev.register(7n, "n3", "web-3")]),
    );
    // Everything before EndOfSnapshot is buffered: still nothing published.
    const partial = track(changed);
    stream.push(ev.register(7n, "n4", "web-4"));
    await stream.drained();
    expect(partial.settled).toBe(false);
    expect(h.materializer.getSnapshot().index).toBe(0n);
    stream.push(ev.end(7n));
    const state = await changed;
    expect(state.index).toBe(7n);
    expect(ids(state.value)).toEqual(["web-1", "web-2", "web-3", "web-4"]);
    expect(h.notifications).toBe(1);
  });

  test("a live batch is one atomic update at the batch's index", async () => {
    const stream = await live();
    const before = h.notifications;
    const changed = h.changed();
    stream.push(
      ev.batch(11n, [ev.deregister(11n, "n1", "web-1"), ev.register(11n, "n3", "web-3")]),
    );
    const state = await changed;
    expect(state.index).toBe(11n);
    expect(ids(state.value)).toEqual(["web-2", "web-3"]);
    expect(h.notifications - before).toBe(1);
  });

  test("each live event is one update; getSnapshot keeps its identity until something changes", async () => {
    const stream = await live();
    const a = h.materializer.getSnapshot();
    expect(h.materializer.getSnapshot()).toBe(a);
    const changed = h.changed();
    stream.push(ev.register(11n, "n3", "web-3"));
    const b = await changed;
    expect(b).not.toBe(a);
    expect(h.materializer.getSnapshot()).toBe(b);
    // The old state still describes index 10: values never alias later updates (M10).
    expect(a.index).toBe(10n);
    expect(ids(a.value)).toEqual(["web-1", "web-2"]);
    expect(ids(b.value)).toEqual(["web-1", "web-2", "web-3"]);
  });

  test("a view that filters an event out still advances the index and notifies", async () => {
    const stream = await live({ tags: ["primary"] });
    expect(ids(h.materializer.getSnapshot().value)).toEqual([]);
    const changed = h.changed();
    stream.push(ev.register(12n, "n9", "web-9", { tags: ["secondary"] }));
    const state = await changed;
    expect(state.index).toBe(12n);
    expect(ids(state.value)).toEqual([]);
  });

  test("M10: the result is computed at most once per index, however many readers", async () => {
    const stream = await live();
    const builds: bigint[] = [];
    const result = h.view.result.bind(h.view);
    h.view.result = (index) => {
      builds.push(index);
      return result(index);
    };
    const changed = h.changed();
    stream.push(ev.register(11n, "n3", "web-3"));
    await changed;
    const readers = await Promise.all([
      h.materializer.fetch(),
      h.materializer.fetch({ minIndex: 5n }),
      h.materializer.fetch(),
    ]);
    void h.materializer.getSnapshot().value;
    void h.materializer.getSnapshot().value;
    expect(new Set(readers.map((r) => r.value)).size).toBe(1);
    expect(readers[0]?.value).toBe(h.materializer.getSnapshot().value);
    // Index 10's state was handed out before the update, so it was frozen once; 11 once.
    expect(builds).toEqual([10n, 11n]);
  });
});

describe("SPEC M8: blocking index queries", () => {
  test("a query with minIndex equal to the current index blocks until the timeout and returns the same state, notModified", async () => {
    await live();
    const query = track(h.materializer.fetch({ minIndex: 10n, timeoutMs: 5_000 }));
    h.timers.advance(4_999);
    expect(await isPending(query.promise)).toBe(true);
    h.timers.advance(1);
    await query.promise;
    expect(query.settled).toBe(true);
    expect(query.value).toMatchObject({ index: 10n, notModified: true });
    expect(ids(query.value?.value)).toEqual(["web-1", "web-2"]);
  });

  test("a query unblocks on the first update past minIndex, not on one at or below it", async () => {
    const stream = await live();
    const query = track(h.materializer.fetch({ minIndex: 12n }));
    let changed = h.changed();
    stream.push(ev.register(12n, "n3", "web-3"));
    await changed;
    expect(query.settled).toBe(false);
    changed = h.changed();
    stream.push(ev.register(13n, "n4", "web-4"));
    await changed;
    await query.promise;
    expect(query.value).toMatchObject({ index: 13n });
    expect(ids(query.value?.value)).toEqual(["web-1", "web-2", "web-3", "web-4"]);
  });

  test("a query past the current index returns at once, cached", async () => {
    await live();
    await expect(h.materializer.fetch({ minIndex: 9n })).resolves.toMatchObject({
      index: 10n,
      cached: true,
    });
  });

  test("index 0 (no complete snapshot) never satisfies a query", async () => {
    h = startMaterializer();
    const stream = await h.client.next();
    const query = track(h.materializer.fetch());
    stream.push(ev.register(3n, "n1", "web-1"));
    await stream.drained();
    expect(query.settled).toBe(false);
    stream.push(ev.end(3n));
    await stream.drained();
    expect(query.value).toMatchObject({ index: 3n });
  });

  test("an aborted signal rejects with an AbortError", async () => {
    await live();
    const controller = new AbortController();
    const query = h.materializer.fetch({ minIndex: 10n, signal: controller.signal });
    controller.abort();
    await expect(query).rejects.toMatchObject({ name: "AbortError" });
    await expect(h.materializer.fetch({ signal: controller.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  test("fix: a reset whose snapshot index is below minIndex is returned (reset: true) instead of blocking", async () => {
    const stream = await live();
    const query = track(h.materializer.fetch({ minIndex: 10n }));
    stream.fail(aborted());
    const resub = await h.client.next();
    expect(resub.request.Index).toBe(0n);
    const changed = h.changed();
    resub.push(ev.register(4n, "n7", "web-7"), ev.end(4n));
    await changed;
    await query.promise;
    expect(query.value).toMatchObject({ index: 4n, reset: true });
    expect(ids(query.value?.value)).toEqual(["web-7"]);
  });

  test("fix (Consul #20790): a timeout during a reset returns the value and index of the same state", async () => {
    const stream = await live();
    stream.fail(aborted());
    await h.client.next(); // reset done, resnapshot pending: the view is empty, the internal index 0
    const query = track(h.materializer.fetch({ minIndex: 10n, timeoutMs: 100 }));
    h.timers.advance(100);
    await query.promise;
    expect(query.value).toMatchObject({ index: 10n, notModified: true });
    expect(ids(query.value?.value)).toEqual(["web-1", "web-2"]);
  });
});

describe("SPEC M5/M6: failures", () => {
  test("a network error after data keeps the view, resumes from the current index, and returns the error with the last good value", async () => {
    const stream = await live();
    const query = track(h.materializer.fetch({ minIndex: 10n }));
    stream.fail(unavailable());
    const resumed = await h.client.next();
    expect(resumed.request.Index).toBe(10n);
    expect(query.value?.error).toBeInstanceOf(ConnectError);
    expect(query.value).toMatchObject({ index: 10n });
    expect(ids(query.value?.value)).toEqual(["web-1", "web-2"]);
    const state = h.materializer.getSnapshot();
    expect(state.status).toBe("reconnecting");
    expect(ids(state.value)).toEqual(["web-1", "web-2"]);
    // Resumed live: no snapshot framing, the next event applies on top of the kept view.
    const changed = h.changed();
    resumed.push(ev.register(11n, "n3", "web-3"));
    const after = await changed;
    expect(after).toMatchObject({ status: "live", index: 11n, error: undefined });
    expect(ids(after.value)).toEqual(["web-1", "web-2", "web-3"]);
  });

  test("the end of a stream without an error resumes from the current index", async () => {
    const stream = await live();
    stream.end();
    expect((await h.client.next()).request.Index).toBe(10n);
  });

  test("Aborted resets and resubscribes at index 0 without waking waiters the first time; the old instances are gone", async () => {
    const stream = await live();
    const query = track(h.materializer.fetch({ minIndex: 10n }));
    const before = h.notifications;
    stream.fail(aborted());
    const resub = await h.client.next();
    expect(resub.request.Index).toBe(0n);
    expect(query.settled).toBe(false);
    expect(h.notifications).toBe(before);
    // The last good state stays visible until the new snapshot is complete (no flash).
    expect(ids(h.materializer.getSnapshot().value)).toEqual(["web-1", "web-2"]);
    const changed = h.changed();
    resub.push(ev.register(20n, "n5", "web-5"), ev.end(20n));
    const state = await changed;
    expect(ids(state.value)).toEqual(["web-5"]);
    expect(state.resets).toBe(1);
    await query.promise;
    expect(query.value).toMatchObject({ index: 20n });
  });

  test("a second consecutive Aborted wakes waiters with a StreamResetError and backs off", async () => {
    const stream = await live();
    stream.fail(aborted());
    const second = await h.client.next();
    const query = track(h.materializer.fetch({ minIndex: 10n }));
    const backoff = h.timers.scheduled();
    second.fail(aborted());
    await backoff;
    expect(query.value?.error).toBeInstanceOf(StreamResetError);
    expect(h.timers.pending).toBe(1); // waiting 200 ms (failure 2) before subscribing again
    const third = h.client.next();
    h.timers.advance(200);
    expect((await third).request.Index).toBe(0n);
  });

  test("NewSnapshotToFollow on a resumed stream resets and applies the new snapshot in one update", async () => {
    const stream = await live();
    stream.fail(unavailable());
    const resumed = await h.client.next();
    expect(resumed.request.Index).toBe(10n);
    const before = h.notifications;
    const changed = h.changed();
    resumed.push(
      ev.newSnapshot(),
      ev.register(8n, "n2", "web-2"),
      ev.register(8n, "n6", "web-6"),
      ev.end(8n),
    );
    const state = await changed;
    expect(h.notifications - before).toBe(1);
    expect(state).toMatchObject({ index: 8n, resets: 1, status: "live" });
    expect(ids(state.value)).toEqual(["web-2", "web-6"]);
  });

  test.each([
    ["an EndOfSnapshot on a live stream", ev.end(11n)],
    ["a NewSnapshotToFollow after the first event", ev.newSnapshot()],
    ["an unknown payload", { Index: 11n }],
    [
      "a payload the view rejects",
      { Index: 11n, Payload: { case: "Service" as const, value: { Name: "x" } } },
    ],
  ])(
    "a protocol fault (%s) resets the view, resubscribes at 0 and surfaces the fault",
    async (_name, bad) => {
      const stream = await live();
      const query = track(h.materializer.fetch({ minIndex: 10n }));
      stream.push(bad);
      const resub = await h.client.next();
      expect(resub.request.Index).toBe(0n);
      expect(query.value?.error).toBeInstanceOf(ProtocolError);
      expect(h.materializer.getSnapshot().error).toBeInstanceOf(ProtocolError);
      const changed = h.changed();
      resub.push(ev.register(30n, "n3", "web-3"), ev.end(30n));
      const state = await changed;
      expect(ids(state.value)).toEqual(["web-3"]);
      expect(state.error).toBeUndefined();
    },
  );

  test.each([
    ["Unauthenticated", new ConnectError("no", Code.Unauthenticated)],
    ["PermissionDenied", new ConnectError("no", Code.PermissionDenied)],
    ["InvalidArgument", new ConnectError("bad", Code.InvalidArgument)],
    ["Unimplemented", new ConnectError("what", Code.Unimplemented)],
    ["Unknown: ACL not found", new ConnectError("ACL not found", Code.Unknown)],
  ])(
    "a terminal error (%s) notifies once and stops run after one attempt",
    async (_name, error) => {
      h = startMaterializer();
      const stream = await h.client.next();
      const query = track(h.materializer.fetch());
      stream.fail(error);
      await h.done;
      expect(h.client.streams).toHaveLength(1);
      expect(h.notifications).toBe(1);
      expect(query.value?.error).toBe(error);
      expect(h.materializer.getSnapshot()).toMatchObject({ status: "failed", error });
      expect(h.materializer.stopped).toBe(true);
      await expect(h.materializer.fetch()).resolves.toMatchObject({ error });
    },
  );

  test("run() refuses a second concurrent run", async () => {
    h = startMaterializer();
    await expect(h.materializer.run(new AbortController().signal)).rejects.toThrow(
      /already running/,
    );
  });
});

describe("SPEC M7: retries", () => {
  test("the failure count resets only after a successful update", async () => {
    const stream = await live();
    stream.fail(unavailable());
    const s2 = await h.client.next(); // failure 1: immediate
    expect(h.waiter.failures).toBe(1);
    let backoff = h.timers.scheduled();
    s2.fail(unavailable());
    await backoff;
    expect(h.waiter.failures).toBe(2);
    const next = h.client.next();
    h.timers.advance(200);
    const s3 = await next;
    // A stream that opens but applies nothing does not reset the count.
    backoff = h.timers.scheduled();
    s3.end();
    await backoff;
    expect(h.waiter.failures).toBe(3);
    const s4p = h.client.next();
    h.timers.advance(400);
    const s4 = await s4p;
    const changed = h.changed();
    s4.push(ev.register(11n, "n3", "web-3"));
    await changed;
    expect(h.waiter.failures).toBe(0);
  });
});
