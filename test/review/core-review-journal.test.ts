/**
 * Review of bb0f891 (rollback journal for views without atomicUpdates) and 371e42f (ViewKeeper
 * split): hostile histories for SPEC M3-M5, V3. A fault half-way through a batch must publish
 * exactly the previous index's state, whatever happened to the journal before it.
 */
import { create } from "@bufbuild/protobuf";
import { ProtocolError, ServiceListView } from "react-submatview/core";
import { CatalogOp, type Event, EventSchema, Topic } from "react-submatview/gen";
import { describe, expect, test } from "vitest";
import { ev } from "../support/pushable-client.js";
import { startView } from "../support/view-harness.js";
import {
  DumpingView,
  grow,
  idsMaterializer,
  PlainView,
  poison,
  pushPoison,
  stoppedAfterEach,
} from "./support/ids-view.js";

const { slot, start, run } = stoppedAfterEach();

describe("SPEC M5, V4: the rollback journal under hostile histories", () => {
  test("M5: a batch rejected after 2,000 live updates (journal folded many times) publishes the previous index's state", async () => {
    const view = new DumpingView();
    const h = start(view);
    const stream = await h.client.next();
    const last = await grow(stream, 20, 2_000);
    expect(view.dumps).toBeGreaterThan(5);
    const before = [...view.ids].sort();
    const state = await pushPoison(h, stream, last + 1n, before[0]);
    expect(state.error).toBeInstanceOf(ProtocolError);
    expect(state.index).toBe(last);
    expect(state.value?.ids).toEqual(before);
  });

  test("M5, M3: NewSnapshotToFollow in the middle of the journal — a later fault rolls back to the new snapshot's history only", async () => {
    const view = new DumpingView();
    const h = start(view);
    const first = await h.client.next();
    const last = await grow(first, 30, 40);
    // The stream drops (retry, view kept) and the resume is stale: a new, smaller snapshot.
    first.fail(new Error("network drop"));
    const resumed = await h.client.next();
    expect(resumed.request.Index).toBe(last);
    resumed.push(ev.newSnapshot());
    for (let i = 0; i < 3; i++) resumed.push(ev.register(10n, `node-other-${i}`, `other-${i}`));
    resumed.push(ev.end(10n), ev.register(11n, "node-other-9", "other-9"));
    await resumed.drained();
    const before = [...view.ids].sort();
    expect(before).toEqual(["other-0", "other-1", "other-2", "other-9"]);
    const state = await pushPoison(h, resumed, 12n, "other-0");
    expect(state.error).toBeInstanceOf(ProtocolError);
    expect(state.index).toBe(11n);
    expect(state.value?.ids).toEqual(before);
  });

  test.each([
    ["with snapshotEvents", () => new DumpingView()],
    ["update/result only", () => new PlainView()],
  ] as const)(
    "M5, H4: a fault after a resume from a seed (no stream snapshot since start) rolls back to the seed + updates (%s)",
    async (_name, make) => {
      const view = make();
      const { materializer: m, client } = idsMaterializer(view);
      const seedEvents = ["a", "b", "c"].map((id) =>
        create(EventSchema, ev.register(5n, `node-${id}`, id)),
      );
      m.seed(seedEvents, 5n);
      run(m);
      const stream = await client.next();
      expect(stream.request.Index).toBe(5n);
      stream.push(ev.register(6n, "node-d", "d"), ev.deregister(7n, "node-a", "a"));
      await stream.drained();
      const failed = new Promise<void>((resolve) => {
        const off = m.subscribe(() => {
          off();
          resolve();
        });
      });
      stream.push(poison(8n, "b"));
      await failed;
      const state = m.getSnapshot();
      expect(state.error).toBeInstanceOf(ProtocolError);
      expect(state.index).toBe(7n);
      expect(state.value?.ids).toEqual(["b", "c", "d"]);
    },
  );

  test("M5, V3: a ServiceListView rejecting a batch half-way after a long run keeps the previous list", async () => {
    const view = new ServiceListView();
    const h = startView(view, Topic.ServiceList);
    slot.stop = h.stop;
    const stream = await h.client.next();
    const svc = (index: bigint, name: string, op = CatalogOp.Register) => ({
      Index: index,
      Payload: { case: "Service" as const, value: { Op: op, Name: name } },
    });
    stream.push(svc(1n, "api"), svc(1n, "web"), ev.end(1n));
    for (let i = 2n; i < 500n; i++) stream.push(svc(i, `s${i % 17n}`, i % 5n === 0n ? 1 : 0));
    await stream.drained();
    const before = h.materializer.getSnapshot().value?.services.map((s) => s.name);
    const failed = h.changed();
    stream.push(
      ev.batch(500n, [svc(500n, "zzz"), svc(500n, "api", 1), ev.register(500n, "n", "x")]),
    );
    const state = await failed;
    expect(state.error).toBeInstanceOf(ProtocolError);
    expect(state.index).toBe(499n);
    expect(state.value?.services.map((s) => s.name)).toEqual(before);
  });

  test("M5, M3: a stale resume whose new snapshot the view rejects half-way keeps the pre-reset state published, then a fresh snapshot replaces it", async () => {
    const view = new DumpingView();
    const h = start(view);
    const first = await h.client.next();
    const last = await grow(first, 5, 100);
    const before = [...view.ids].sort();
    first.fail(new Error("network drop"));
    const resumed = await h.client.next();
    const failed = new Promise<void>((resolve) => {
      const off = h.materializer.subscribe(() => {
        if (!(h.materializer.getSnapshot().error instanceof ProtocolError)) return;
        off();
        resolve();
      });
    });
    resumed.push(ev.newSnapshot(), ev.register(7n, "node-x", "x"));
    resumed.push({
      Index: 7n,
      Payload: { case: "Service", value: { Op: CatalogOp.Register, Name: "y" } },
    });
    resumed.push(ev.end(7n));
    await failed;
    const state = h.materializer.getSnapshot();
    expect(state.index).toBe(last);
    expect(state.value?.ids).toEqual(before);
    // A second failure in a row: the retry waits its backoff (M7) on the manual clock.
    h.timers.advance(60_000);
    const fresh = await h.client.next();
    expect(fresh.request.Index).toBe(0n);
    fresh.push(ev.register(8n, "node-z", "z"), ev.end(8n));
    await fresh.drained();
    expect(h.materializer.getSnapshot().value?.ids).toEqual(["z"]);
    expect(h.materializer.getSnapshot().resets).toBe(1);
  });

  test("M5: a replay the view rejects after a fold (its own snapshotEvents refused) publishes no half-applied state", async () => {
    /** Refuses events at index 0 — which is what its own snapshotEvents() produces. */
    class Picky extends DumpingView {
      override update(batch: readonly Event[]): void {
        if (batch.some((e) => e.Index === 0n)) throw new Error("index 0");
        super.update(batch);
      }
    }
    const view = new Picky();
    const h = start(view);
    const stream = await h.client.next();
    const last = await grow(stream, 5, 100);
    expect(view.dumps).toBeGreaterThan(0);
    const before = [...view.ids].sort();
    const state = await pushPoison(h, stream, last + 1n, before[0]);
    expect(state.error).toBeInstanceOf(ProtocolError);
    expect(state.index).toBe(last);
    // Documented (bb0f891): exactly the previous state, or no value — never ["new", …].
    if (state.value !== undefined) expect(state.value.ids).toEqual(before);
    expect(state.value?.ids ?? []).not.toContain("new");
  });
});
