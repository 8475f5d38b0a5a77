/**
 * Review of bb0f891 / 371e42f, continued: SPEC M10 (values read are never mutated later), V4
 * (the journal stays O(n) of the view over 100,000 updates), M8 and R6 (blocking fetches around
 * a rollback and a stop).
 */
import { create } from "@bufbuild/protobuf";
import { MaterializerClosedError, ProtocolError } from "react-submatview/core";
import { EventSchema } from "react-submatview/gen";
import { describe, expect, test } from "vitest";
import { ViewKeeper } from "../../src/core/view-keeper.js";
import { ev } from "../support/pushable-client.js";
import {
  DumpingView,
  grow,
  type Ids,
  PlainView,
  poison,
  pushPoison,
  stoppedAfterEach,
} from "./support/ids-view.js";

const { slot, start } = stoppedAfterEach();

describe("SPEC M10, V4: what readers keep and what the journal holds", () => {
  test.each([
    ["with snapshotEvents", () => new DumpingView()],
    ["update/result only (journal outgrown: eager builds)", () => new PlainView()],
  ] as const)(
    "M10: every value read between updates is never mutated later — through folds, a rollback and a reset (%s)",
    async (_name, make) => {
      const view = make();
      const h = start(view);
      const stream = await h.client.next();
      const reads: Array<{ value: Ids; copy: string[] }> = [];
      const off = h.materializer.subscribe(() => {
        const value = h.materializer.getSnapshot().value;
        if (value) reads.push({ value, copy: [...value.ids] });
      });
      const last = await grow(stream, 10, 300);
      await pushPoison(h, stream, last + 1n, "web-1");
      const next = await h.client.next();
      next.push(ev.register(900n, "n1", "fresh"), ev.end(900n));
      await next.drained();
      off();
      expect(reads.length).toBeGreaterThan(300);
      for (const { value, copy } of reads) expect(value.ids).toEqual(copy);
    },
  );

  test.each([
    ["with snapshotEvents", () => new DumpingView()],
    ["update/result only", () => new PlainView()],
  ] as const)(
    "V4: the journal stays O(n) of the view over 100,000 live updates, not O(events) (%s)",
    (_name, make) => {
      // Driven through the ViewKeeper: the pushable stream costs ~0.1 ms per event on its own.
      const view = make();
      const keeper = new ViewKeeper<Ids>(view, () => {});
      const size = 50;
      const snapshot = Array.from({ length: size }, (_, i) =>
        create(EventSchema, ev.register(1n, `node-web-${i}`, `web-${i}`)),
      );
      keeper.apply(snapshot, 1n);
      const live = 100_000;
      for (let i = 0; i < live; i++) {
        const id = `web-${(i * 7) % size}`;
        const index = BigInt(i + 2);
        const init =
          i % 3 === 2
            ? ev.deregister(index, `node-${id}`, id)
            : ev.register(index, `node-${id}`, id);
        keeper.apply([create(EventSchema, init)], index);
      }
      const last = BigInt(live + 1);
      const before = [...view.ids].sort();
      const seenBefore = view.eventsSeen;
      const bad = create(EventSchema, poison(last + 1n, before[0]));
      const members = bad.Payload.case === "EventBatch" ? bad.Payload.value.Events : [];
      expect(() => keeper.apply(members, last + 1n)).toThrow(ProtocolError);
      // What a rollback replays is what the journal holds: base (≤ n) + log (≤ n + 64), plus
      // the 3 events of the rejected batch.
      expect(view.eventsSeen - seenBefore).toBeLessThanOrEqual(3 * size + 64 + 3);
      if (view instanceof DumpingView) expect(view.dumps).toBeLessThanOrEqual(live / 32 + 1);
      expect(keeper.publishedValue()?.ids).toEqual(before);
    },
    30_000,
  );
});

describe("SPEC M8, M5, R6: blocking fetches around a rollback and a stop", () => {
  test("M8, M5: a blocking fetch waiting when a batch is rejected half-way gets the previous index's value with the error", async () => {
    const view = new DumpingView();
    const h = start(view);
    const stream = await h.client.next();
    const last = await grow(stream, 10, 200);
    const before = [...view.ids].sort();
    const waiting = h.materializer.fetch({ minIndex: last, timeoutMs: 60_000 });
    stream.push(poison(last + 1n, before[0]));
    const result = await waiting;
    expect(result.error).toBeInstanceOf(ProtocolError);
    expect(result.index).toBe(last);
    expect(result.value?.ids).toEqual(before);
    expect(result.value?.index).toBe(last);
  });

  test("M8, R6: stopping while a blocking fetch waits rejects it and clears its timer", async () => {
    const view = new DumpingView();
    const h = start(view);
    const stream = await h.client.next();
    const last = await grow(stream, 3, 5);
    const pendingBefore = h.timers.pending;
    const waiting = h.materializer.fetch({ minIndex: last, timeoutMs: 60_000 });
    expect(h.timers.pending).toBe(pendingBefore + 1);
    await h.stop();
    slot.stop = undefined;
    await expect(waiting).rejects.toBeInstanceOf(MaterializerClosedError);
    expect(h.timers.pending).toBe(pendingBefore);
  });
});
