/**
 * SPEC M5, V4: a user-written view that is not all-or-nothing (no `atomicUpdates`) costs O(1)
 * amortised per live event, and a batch it rejects half-way still leaves no trace.
 */
import { create } from "@bufbuild/protobuf";
import { ProtocolError, type View } from "react-submatview/core";
import { CatalogOp, type Event, EventSchema } from "react-submatview/gen";
import { afterEach, describe, expect, test } from "vitest";
import { ev } from "../support/pushable-client.js";
import { startView } from "../support/view-harness.js";

interface Ids {
  readonly ids: readonly string[];
  readonly index: bigint;
}

/**
 * Applies events one by one (throws on a foreign payload part-way through a batch) and counts
 * its O(n) work: entries copied by `result()` and by `snapshotEvents()`.
 */
class CountingView implements View<Ids> {
  readonly ids = new Set<string>();
  work = 0;
  update(batch: readonly Event[]): void {
    for (const event of batch) {
      if (event.Payload.case !== "ServiceHealth") throw new Error("counting view: bad payload");
      const id = event.Payload.value.CheckServiceNode?.Service?.ID ?? "";
      if (event.Payload.value.Op === CatalogOp.Deregister) this.ids.delete(id);
      else this.ids.add(id);
    }
  }
  result(index: bigint): Ids {
    this.work += this.ids.size;
    return { ids: [...this.ids].sort(), index };
  }
  reset(): void {
    this.ids.clear();
  }
}

/** The same view, able to give events that rebuild its content (as SSR dehydration uses). */
class ReplayableView extends CountingView {
  snapshotEvents(): Event[] {
    this.work += this.ids.size;
    return [...this.ids].map((id) => create(EventSchema, ev.register(0n, `node-${id}`, id)));
  }
}

const foreign = (index: bigint) =>
  ev.batch(index, [
    ev.register(index, "n-new", "new"),
    ev.deregister(index, "node-web-0", "web-0"),
    { Index: index, Payload: { case: "Service", value: { Op: CatalogOp.Register, Name: "x" } } },
  ]);

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/** A view of `size` instances at index 1, then `live` events (index 2…) touching them. */
async function grown<TView extends CountingView>(view: TView, size: number, live: number) {
  const h = startView(view);
  stop = h.stop;
  const stream = await h.client.next();
  for (let i = 0; i < size; i++) stream.push(ev.register(1n, `node-web-${i}`, `web-${i}`));
  stream.push(ev.end(1n));
  for (let i = 0; i < live; i++) {
    const id = `web-${(i * 7) % size}`;
    const index = BigInt(i + 2);
    stream.push(
      i % 3 === 2 ? ev.deregister(index, `node-${id}`, id) : ev.register(index, `node-${id}`, id),
    );
  }
  await stream.drained();
  return { h, stream, last: BigInt(live + 1) };
}

describe("SPEC V4, M5: a view without atomicUpdates", () => {
  test("costs O(1) amortised per live event: no result is built per event when nobody reads", async () => {
    const size = 1_000;
    const live = 3_000;
    const view = new ReplayableView();
    const { h, last } = await grown(view, size, live);
    expect(h.materializer.index).toBe(last);
    // Building the previous result before each event costs size × live = 3,000,000.
    expect(view.work).toBeLessThanOrEqual(4 * (size + live));
    expect(h.materializer.getSnapshot().value?.ids).toEqual([...view.ids].sort());
  });

  test.each([
    ["with snapshotEvents, right after its snapshot", () => new ReplayableView(), 0],
    ["with snapshotEvents, after its journal was compacted", () => new ReplayableView(), 500],
    ["without snapshotEvents, right after its snapshot", () => new CountingView(), 0],
    ["without snapshotEvents, long after its snapshot", () => new CountingView(), 500],
  ] as const)(
    "%s: a batch rejected half-way publishes exactly the previous index's state (M5)",
    async (_name, make, live) => {
      const size = 50;
      const view = make();
      const { h, stream, last } = await grown(view, size, live);
      // Nobody has read a value: nothing was cached by a reader.
      const before = [...view.ids].sort();
      const failed = h.changed();
      stream.push(foreign(last + 1n));
      const state = await failed;
      expect(state.error).toBeInstanceOf(ProtocolError);
      expect(state.index).toBe(last);
      expect(state.value?.ids).toEqual(before);
      expect(state.value?.index).toBe(last);
      // M5: the view is thrown away and rebuilt from a fresh snapshot.
      const next = await h.client.next();
      expect(next.request.Index).toBe(0n);
      next.push(ev.register(9n, "n1", "fresh"), ev.end(9n));
      await next.drained();
      expect(h.materializer.getSnapshot().value?.ids).toEqual(["fresh"]);
    },
  );

  test.each([
    ["nobody read it", false, undefined],
    ["a reader built it", true, ["web-0", "web-1"]],
  ] as const)(
    "a view that rejects the replay of what it accepted publishes no half-applied state (%s)",
    async (_name, read, expected) => {
      /** Rejects everything once it has rejected one batch: its updates depend on its past. */
      class Sulking extends CountingView {
        sulking = false;
        override update(batch: readonly Event[]): void {
          if (this.sulking) throw new Error("sulking");
          try {
            super.update(batch);
          } catch (error) {
            this.sulking = true;
            throw error;
          }
        }
      }
      const { h, stream, last } = await grown(new Sulking(), 2, 0);
      if (read) expect(h.materializer.getSnapshot().value?.ids).toEqual(expected);
      const failed = h.changed();
      stream.push(foreign(last + 1n));
      const state = await failed;
      expect(state.error).toBeInstanceOf(ProtocolError);
      expect(state.index).toBe(last);
      // Never the half-applied ["new", "web-1"].
      expect(state.value?.ids).toEqual(expected);
    },
  );
});
