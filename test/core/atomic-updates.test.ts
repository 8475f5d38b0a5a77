/** SPEC M5/V1: a rejected live batch leaves no trace; each update gets its own events array. */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  compareBytes,
  KeyedView,
  ProtocolError,
  ServiceHealthView,
  ServiceListView,
  type View,
} from "react-submatview/core";
import { CatalogOp, type Event, EventSchema } from "react-submatview/gen";
import { afterEach, describe, expect, test } from "vitest";
import { ev } from "../support/pushable-client.js";
import { startView } from "../support/view-harness.js";

type EventInit = MessageInitShape<typeof EventSchema>;
const events = (...inits: EventInit[]): Event[] => inits.map((i) => create(EventSchema, i));
const service = (index: bigint, name: string, op = CatalogOp.Register): EventInit => ({
  Index: index,
  Payload: { case: "Service", value: { Op: op, Name: name } },
});
const notHealth = (index: bigint): EventInit => service(index, "not-a-health-event");
const healthWithoutNode = (index: bigint): EventInit => ({
  Index: index,
  Payload: { case: "ServiceHealth", value: { Op: CatalogOp.Register } },
});

/** A user-written view with no all-or-nothing guarantee: it throws half-way through a batch. */
class NaiveView implements View<{ ids: string[]; index: bigint }> {
  readonly #ids = new Set<string>();
  update(batch: readonly Event[]): void {
    for (const event of batch) {
      if (event.Payload.case !== "ServiceHealth") throw new Error("naive view: bad payload");
      const id = event.Payload.value.CheckServiceNode?.Service?.ID ?? "";
      if (event.Payload.value.Op === CatalogOp.Deregister) this.#ids.delete(id);
      else this.#ids.add(id);
    }
  }
  result(index: bigint) {
    return { ids: [...this.#ids].sort(), index };
  }
  reset(): void {
    this.#ids.clear();
  }
}

/** A KeyedView over the ServiceList topic whose `apply` rejects the service named "boom". */
const keyedServices = () =>
  new KeyedView<string>({
    apply(event) {
      if (event.Payload.case !== "Service") return null;
      const name = event.Payload.value.Name;
      if (name === "boom") throw new Error("keyed view: boom");
      return event.Payload.value.Op === CatalogOp.Deregister
        ? { key: name, delete: true }
        : { key: name, value: name };
    },
    compare: compareBytes,
  });

interface Case {
  readonly make: () => View<unknown>;
  readonly snapshot: EventInit[];
  readonly batch: EventInit[];
  readonly read: (value: unknown) => unknown;
  readonly before: unknown;
}

const health = {
  snapshot: [ev.register(10n, "n1", "web-1"), ev.register(10n, "n2", "web-2")],
  // A valid upsert and delete, then an event the view rejects, all in one transaction.
  batch: [ev.register(11n, "n3", "web-3"), ev.deregister(11n, "n1", "web-1"), notHealth(11n)],
  read: (v: unknown) =>
    (v as { nodes: { Service?: { ID: string } }[] } | undefined)?.nodes.map((n) => n.Service?.ID),
  before: ["web-1", "web-2"],
};
const list = {
  snapshot: [service(10n, "web"), service(10n, "db")],
  read: (v: unknown) =>
    (v as { services?: { name: string }[]; items?: string[] } | undefined)?.services?.map(
      (s) => s.name,
    ) ?? (v as { items: string[] } | undefined)?.items,
  before: ["db", "web"],
};

const cases: Record<string, Case> = {
  ServiceHealthView: { make: () => new ServiceHealthView(), ...health },
  "ServiceHealthView (a CheckServiceNode missing)": {
    make: () => new ServiceHealthView(),
    ...health,
    batch: [ev.register(11n, "n3", "web-3"), healthWithoutNode(11n)],
  },
  "ServiceHealthView (a throwing filter)": {
    make: () =>
      new ServiceHealthView({
        filter: (csn) => {
          if (csn.Node?.Node === "n9") throw new Error("filter: n9");
          return true;
        },
      }),
    ...health,
    batch: [ev.register(11n, "n3", "web-3"), ev.register(11n, "n9", "web-9")],
  },
  ServiceListView: {
    make: () => new ServiceListView(),
    ...list,
    batch: [service(11n, "api"), service(11n, "web", CatalogOp.Deregister), ev.end(11n)],
  },
  KeyedView: {
    make: keyedServices,
    ...list,
    batch: [service(11n, "api"), service(11n, "web", CatalogOp.Deregister), service(11n, "boom")],
  },
  "a user-written View that throws mid-batch": {
    make: () => new NaiveView(),
    ...health,
    read: (v: unknown) => (v as { ids: string[] } | undefined)?.ids,
  },
};

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe("SPEC M5: a live batch the view rejects half-way leaves no trace", () => {
  test.each(Object.entries(cases))(
    "%s: the state published with the error is exactly the previous index's state",
    async (_name, c) => {
      const h = startView(c.make());
      stop = h.stop;
      const stream = await h.client.next();
      // Nobody reads the snapshot's value before the fault: nothing is cached by a reader.
      stream.push(...c.snapshot, ev.end(10n));
      await stream.drained();
      expect(h.materializer.index).toBe(10n);
      const query = h.materializer.fetch({ minIndex: 10n });
      const failed = h.changed();
      stream.push(ev.batch(11n, c.batch));
      const state = await failed;
      expect(state.error).toBeInstanceOf(ProtocolError);
      expect(state.index).toBe(10n);
      expect(c.read(state.value)).toEqual(c.before);
      const result = await query;
      expect(result.error).toBeInstanceOf(ProtocolError);
      expect(result.index).toBe(10n);
      expect(c.read(result.value)).toEqual(c.before);
      // M5: the view is rebuilt from a fresh snapshot.
      expect((await h.client.next()).request.Index).toBe(0n);
    },
  );

  test.each(Object.entries(cases).filter(([name]) => !name.startsWith("a user-written")))(
    "%s is atomic: a rejected update leaves the view untouched",
    (_name, c) => {
      const view = c.make();
      expect(view.atomicUpdates).toBe(true);
      view.update(events(...c.snapshot));
      const before = c.read(view.result(10n));
      expect(() => view.update(events(...c.batch))).toThrow();
      expect(c.read(view.result(11n))).toEqual(before);
    },
  );
});

describe("SPEC V1: each update gets its own events array", () => {
  test("a view that keeps its batches (an audit log) never sees them change", async () => {
    const kept: (readonly Event[])[] = [];
    const audit: View<number> = {
      update: (batch) => void kept.push(batch),
      result: () => kept.length,
      reset: () => {},
    };
    const h = startView(audit);
    stop = h.stop;
    const stream = await h.client.next();
    stream.push(ev.register(10n, "n1", "web-1"), ev.end(10n));
    stream.push(ev.register(11n, "n2", "web-2"));
    stream.push(ev.register(12n, "n3", "web-3"));
    stream.push(ev.batch(13n, [ev.register(13n, "n4", "web-4")]));
    stream.push(ev.register(14n, "n5", "web-5"));
    await stream.drained();
    expect(kept.map((batch) => batch.map((e) => e.Index))).toEqual([
      [10n],
      [11n],
      [12n],
      [13n],
      [14n],
    ]);
    expect(new Set(kept).size).toBe(kept.length);
  });
});
