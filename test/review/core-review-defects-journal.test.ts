/**
 * Review of bb0f891 / 371e42f: hostile cases that FAIL today (real defects, left for the owner
 * of src/core). SPEC M4, M5, H4: a view never stays ahead of the materializer's index, and a
 * rejected seed leaves no trace in the first streamed snapshot.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { base64Encode } from "@bufbuild/protobuf/wire";
import {
  type MaterializedRequest,
  MaterializerRegistry,
  ProtocolError,
} from "react-submatview/core";
import {
  type Event,
  EventBatchSchema,
  EventSchema,
  SubscribeRequestSchema,
  Topic,
} from "react-submatview/gen";
import { describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient } from "../support/pushable-client.js";
import {
  DumpingView,
  foreign,
  type Ids,
  idsMaterializer,
  PlainView,
  stoppedAfterEach,
} from "./support/ids-view.js";

const { slot, start, run } = stoppedAfterEach();

describe("SPEC M4, M5, H4: failures around the journal and the seed (defects)", () => {
  test("M4/M5: a view whose snapshotEvents() throws at a fold never stays ahead of the materializer's index", async () => {
    class DumpFails extends DumpingView {
      override snapshotEvents(): Event[] {
        this.dumps++;
        throw new Error("cannot dump");
      }
    }
    const view = new DumpFails();
    const h = start(view);
    const stream = await h.client.next();
    stream.push(ev.register(1n, "node-web-0", "web-0"), ev.end(1n));
    await stream.drained();
    // Push one live event at a time until the journal tries to fold (bounded: < 100 events).
    let index = 1n;
    while (view.dumps === 0 && index < 100n) {
      index++;
      const changed = h.changed();
      stream.push(ev.register(index, `node-web-${index}`, `web-${index}`));
      await changed;
    }
    expect(view.dumps).toBe(1);
    // The view holds web-<index>. Either the update counts (index moves to it) or it is a fault
    // (the view is reset, index 0). Resuming from index - 1 would replay it onto a view that
    // already has it, and a non-idempotent view would apply it twice.
    expect(view.ids.has(`web-${index}`) ? [index, 0n] : [index - 1n]).toContain(
      h.materializer.index,
    );
  });

  test("M5, H4: a dehydrated seed a non-atomic view rejected half-way leaves no trace in the first streamed snapshot", async () => {
    const view = new PlainView();
    const { materializer: m, client } = idsMaterializer(view);
    const bad = [
      create(EventSchema, ev.register(5n, "node-ghost", "ghost")),
      create(EventSchema, foreign(5n)),
    ];
    // What the registry's DehydratedSeeds does: a bad seed is logged and ignored.
    expect(() => m.seed(bad, 5n)).toThrow(ProtocolError);
    run(m);
    const stream = await client.next();
    expect(stream.request.Index).toBe(0n);
    stream.push(ev.register(9n, "node-real", "real"), ev.end(9n));
    await stream.drained();
    expect(m.getSnapshot().value?.ids).toEqual(["real"]);
  });

  test("M5, H4 (through the registry): a dehydrated snapshot a non-atomic view rejects half-way leaves no ghost in the streamed snapshot", async () => {
    const request: MaterializedRequest<Ids> = {
      key: "review/plain-seeded",
      viewType: "plain",
      subscribeRequest: (index) =>
        create(SubscribeRequestSchema, {
          Topic: Topic.ServiceHealth,
          Index: index,
          Subject: { case: "WildcardSubject", value: true },
        }),
      createView: () => new PlainView(),
    };
    const events = [
      create(EventSchema, ev.register(5n, "node-ghost", "ghost")),
      create(EventSchema, foreign(5n)),
    ];
    const bytes = toBinary(EventBatchSchema, create(EventBatchSchema, { Events: events }));
    const client = new PushableClient();
    const registry = new MaterializerRegistry({
      client,
      timers: new ManualTimers(),
      logger: { warn: () => {} },
      dehydratedState: { entries: [{ key: request.key, index: "5", events: base64Encode(bytes) }] },
    });
    slot.stop = async () => registry.dispose();
    const lease = registry.acquire(request);
    const stream = await client.next();
    expect(stream.request.Index).toBe(0n);
    stream.push(ev.register(9n, "node-real", "real"), ev.end(9n));
    await stream.drained();
    expect(lease.materializer.getSnapshot().value?.ids).toEqual(["real"]);
    lease.release();
  });
});
