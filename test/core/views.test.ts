import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  compareBytes,
  KeyedView,
  ProtocolError,
  ServiceHealthView,
  ServiceListView,
  SortedIndex,
  uniqueId,
} from "react-submatview/core";
import { CatalogOp, type Event, EventSchema } from "react-submatview/gen";
import { describe, expect, test } from "vitest";
import { ev } from "../support/pushable-client.js";

const events = (...inits: MessageInitShape<typeof EventSchema>[]): Event[] =>
  inits.map((i) => create(EventSchema, i));
const ids = (view: ServiceHealthView, index: bigint) =>
  view.result(index).nodes.map((n) => n.Service?.ID);

describe("SPEC V2: ServiceHealthView", () => {
  test("Register upserts by Consul's unique ID, Deregister deletes", () => {
    const view = new ServiceHealthView();
    view.update(
      events(
        ev.register(1n, "n1", "web-1"),
        ev.register(1n, "n2", "web-1"),
        ev.register(1n, "n1", "web-2"),
      ),
    );
    expect(ids(view, 1n)).toEqual(["web-1", "web-2", "web-1"]);
    view.update(events(ev.register(2n, "n1", "web-1", { status: "critical" })));
    expect(view.result(2n).nodes[0]?.Checks[0]?.Status).toBe("critical");
    expect(view.result(2n).nodes).toHaveLength(3);
    view.update(events(ev.deregister(3n, "n1", "web-1")));
    expect(view.result(3n).nodes.map((n) => `${n.Node?.Node}/${n.Service?.ID}`)).toEqual([
      "n1/web-2",
      "n2/web-1",
    ]);
  });

  test("the unique ID is partition/peer/node/namespace/serviceID", () => {
    const [event] = events(ev.register(1n, "n1", "web-1", { peer: "p1" }));
    if (event?.Payload.case !== "ServiceHealth") throw new Error("unreachable");
    expect(uniqueId(event.Payload.value.CheckServiceNode!)).toBe("/p1/n1//web-1");
  });

  test("results sort by node name, then service ID, in byte order", () => {
    const view = new ServiceHealthView();
    view.update(
      events(
        ev.register(1n, "node-b", "web-2"),
        ev.register(1n, "node-a", "web-9"),
        ev.register(1n, "Node-z", "web-1"),
        ev.register(1n, "node-b", "web-10"),
        ev.register(1n, "node-é", "x"),
        ev.register(1n, "node-😀", "y"),
        ev.register(1n, "node-\uffe0", "z"),
      ),
    );
    expect(view.result(1n).nodes.map((n) => `${n.Node?.Node}/${n.Service?.ID}`)).toEqual([
      "Node-z/web-1",
      "node-a/web-9",
      "node-b/web-10",
      "node-b/web-2",
      "node-é/x",
      "node-\uffe0/z",
      "node-😀/y",
    ]);
  });

  test("compareBytes orders as UTF-8 bytes do", () => {
    const words = ["b", "a", "é", "\uffe0", "😀", "", "ab", "\ud7ff"];
    const byBytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...words].sort(compareBytes)).toEqual(byBytes);
  });

  test("an empty view returns an empty array, and each index a fresh array", () => {
    const view = new ServiceHealthView();
    view.update([]);
    expect(view.result(1n).nodes).toEqual([]);
    view.update(events(ev.register(2n, "n1", "web-1")));
    const two = view.result(2n);
    expect(view.result(2n)).toBe(two); // built at most once per index
    view.update(events(ev.register(3n, "n2", "web-2")));
    const three = view.result(3n);
    expect(three.nodes).not.toBe(two.nodes);
    expect(two.nodes).toHaveLength(1); // the old result is not aliased
  });

  test("tags: every requested tag must be present, compared case-insensitively", () => {
    const view = new ServiceHealthView({ tags: ["Primary", "v1"] });
    view.update(
      events(
        ev.register(1n, "n1", "a", { tags: ["primary", "V1", "extra"] }),
        ev.register(1n, "n2", "b", { tags: ["primary"] }),
        ev.register(1n, "n3", "c", { tags: [] }),
      ),
    );
    expect(ids(view, 1n)).toEqual(["a"]);
  });

  test("node-meta: every key/value must match", () => {
    const view = new ServiceHealthView({ nodeMeta: { rack: "r1", zone: "z" } });
    view.update(
      events(
        ev.register(1n, "n1", "a", { nodeMeta: { rack: "r1", zone: "z", more: "x" } }),
        ev.register(1n, "n2", "b", { nodeMeta: { rack: "r1" } }),
        ev.register(1n, "n3", "c", { nodeMeta: { rack: "r2", zone: "z" } }),
      ),
    );
    expect(ids(view, 1n)).toEqual(["a"]);
  });

  test("a predicate filter applies, and an instance that stops matching leaves the view", () => {
    const view = new ServiceHealthView({
      filter: (csn) => csn.Checks.every((c) => c.Status === "passing"),
    });
    view.update(events(ev.register(1n, "n1", "a"), ev.register(1n, "n2", "b")));
    expect(ids(view, 1n)).toEqual(["a", "b"]);
    view.update(events(ev.register(2n, "n1", "a", { status: "critical" })));
    expect(ids(view, 2n)).toEqual(["b"]);
    view.update(events(ev.register(3n, "n1", "a")));
    expect(ids(view, 3n)).toEqual(["a", "b"]);
  });

  test("terminating gateways bypass the filter on connect views only", () => {
    const gateway = ev.register(1n, "gw", "tgw", { kind: "terminating-gateway", tags: [] });
    const connect = new ServiceHealthView({ connect: true, tags: ["v2"] });
    connect.update(events(gateway, ev.register(1n, "n1", "proxy", { tags: ["v1"] })));
    expect(ids(connect, 1n)).toEqual(["tgw"]);
    const plain = new ServiceHealthView({ tags: ["v2"] });
    plain.update(events(gateway));
    expect(ids(plain, 1n)).toEqual([]);
  });

  test("a non-health payload throws a ProtocolError", () => {
    const view = new ServiceHealthView();
    expect(() =>
      view.update(
        events({
          Index: 1n,
          Payload: { case: "Service", value: { Op: CatalogOp.Register, Name: "x" } },
        }),
      ),
    ).toThrow(ProtocolError);
  });

  test("reset() empties the view", () => {
    const view = new ServiceHealthView();
    view.update(events(ev.register(1n, "n1", "a")));
    view.reset();
    view.update([]);
    expect(view.result(1n).nodes).toEqual([]);
  });
});

describe("SPEC V3: ServiceListView and KeyedView", () => {
  const service = (index: bigint, op: CatalogOp, name: string, peer = "") =>
    ({
      Index: index,
      Payload: { case: "Service", value: { Op: op, Name: name, PeerName: peer } },
    }) as const;

  test("the service list is sorted by name with peer, partition and namespace", () => {
    const view = new ServiceListView();
    view.update(
      events(
        service(1n, CatalogOp.Register, "web"),
        service(1n, CatalogOp.Register, "api"),
        service(1n, CatalogOp.Register, "web", "p1"),
      ),
    );
    expect(view.result(1n).services).toEqual([
      { name: "api", peer: "", partition: "", namespace: "" },
      { name: "web", peer: "", partition: "", namespace: "" },
      { name: "web", peer: "p1", partition: "", namespace: "" },
    ]);
    view.update(events(service(2n, CatalogOp.Deregister, "web")));
    expect(view.result(2n).services.map((s) => `${s.peer}/${s.name}`)).toEqual(["/api", "p1/web"]);
  });

  test("KeyedView materializes any topic with a key function and an upsert/delete rule", () => {
    const view = new KeyedView<{ name: string; at: bigint }>({
      apply: (event) => {
        if (event.Payload.case !== "Service") return null;
        const key = event.Payload.value.Name;
        return event.Payload.value.Op === CatalogOp.Deregister
          ? { key, delete: true }
          : { key, value: { name: key, at: event.Index } };
      },
      compare: (a, b) => compareBytes(a.name, b.name),
    });
    view.update(
      events(
        service(1n, CatalogOp.Register, "b"),
        service(1n, CatalogOp.Register, "a"),
        ev.end(1n),
      ),
    );
    view.update(events(service(2n, CatalogOp.Register, "b")));
    expect(view.result(2n).items).toEqual([
      { name: "a", at: 1n },
      { name: "b", at: 2n },
    ]);
  });
});

describe("SPEC V4: views scale", () => {
  test("SortedIndex keeps order across upserts, moves and deletes without re-sorting everything", () => {
    const compare = (a: number, b: number) => a - b;
    const index = new SortedIndex<number>(compare);
    let comparisons = 0;
    const counted = new SortedIndex<number>((a, b) => {
      comparisons++;
      return compare(a, b);
    });
    const reference = new Map<string, number>();
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 5_000; i++) {
      const key = `k${Math.floor(random() * 500)}`;
      if (random() < 0.2) {
        index.delete(key);
        reference.delete(key);
      } else {
        const value = Math.floor(random() * 1000);
        index.set(key, value);
        reference.set(key, value);
      }
      if (i % 97 === 0) expect(index.values()).toEqual([...reference.values()].sort(compare));
    }
    expect(index.values()).toEqual([...reference.values()].sort(compare));
    for (let i = 0; i < 10_000; i++) counted.set(`k${i}`, i);
    counted.values();
    comparisons = 0;
    counted.set("k5000", 5000.5);
    counted.values();
    // One changed key: a merge (~n comparisons), not a full sort (~n log n ≈ 130k).
    expect(comparisons).toBeLessThan(12_000);
  });
});
