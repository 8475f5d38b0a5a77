/**
 * ServiceHealthView keys instances by node name then service ID in nested maps when the
 * instance is in the default partition and namespace and not peered, and by Consul's full
 * unique ID otherwise (issue 10: no key string per event). Both paths must keep SPEC V2's
 * identity: same unique ID → one instance; any differing part → distinct instances.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ServiceHealthView } from "react-submatview/core";
import { CatalogOp, type Event, EventSchema } from "react-submatview/gen";
import { describe, expect, test } from "vitest";
import { ev } from "../support/pushable-client.js";

type Init = MessageInitShape<typeof EventSchema>;
const events = (...inits: Init[]): Event[] => inits.map((i) => create(EventSchema, i));

/** A health event in partition/namespace `meta` (EnterpriseMeta on the service). */
function scoped(
  op: CatalogOp,
  index: bigint,
  node: string,
  id: string,
  ns: string,
  part = "",
): Init {
  return {
    Index: index,
    Payload: {
      case: "ServiceHealth",
      value: {
        Op: op,
        CheckServiceNode: {
          Node: { Node: node, Partition: part },
          Service: { ID: id, Service: "web", EnterpriseMeta: { Namespace: ns, Partition: part } },
          Checks: [{ Status: `${ns}-${index}` }],
        },
      },
    },
  };
}
/** Every instance as partition|peer|node|namespace|id|status, sorted (ties have no order). */
const seen = (view: ServiceHealthView, index: bigint) =>
  view
    .result(index)
    .nodes.map(
      (n) =>
        `${n.Service?.EnterpriseMeta?.Partition ?? ""}|${n.Service?.PeerName}|${n.Node?.Node}|${n.Service?.EnterpriseMeta?.Namespace ?? ""}|${n.Service?.ID}|${n.Checks[0]?.Status}`,
    );

describe("SPEC V2: ServiceHealthView keys (nested maps and full unique IDs)", () => {
  test("same node and service ID in different namespaces, partitions or peers are distinct instances", () => {
    const view = new ServiceHealthView();
    view.update(
      events(
        ev.register(1n, "n1", "web-1", { status: "passing" }),
        ev.register(1n, "n1", "web-1", { peer: "p1", status: "passing" }),
        scoped(CatalogOp.Register, 1n, "n1", "web-1", "team-a"),
        scoped(CatalogOp.Register, 1n, "n1", "web-1", "", "part-b"),
      ),
    );
    expect(view.result(1n).nodes).toHaveLength(4);
    // Each path upserts its own instance in place…
    view.update(events(scoped(CatalogOp.Register, 2n, "n1", "web-1", "team-a")));
    view.update(events(ev.register(3n, "n1", "web-1", { status: "critical" })));
    const at3 = seen(view, 3n);
    expect(at3).toHaveLength(4);
    expect(at3).toContain("||n1||web-1|critical");
    expect(at3).toContain("||n1|team-a|web-1|team-a-2");
    // …and deregisters only its own.
    view.update(events(scoped(CatalogOp.Deregister, 4n, "n1", "web-1", "team-a")));
    view.update(events(ev.deregister(5n, "n1", "web-1", { peer: "p1" })));
    expect(seen(view, 5n)).toEqual(["part-b||n1||web-1|-1", "||n1||web-1|critical"]);
    view.update(events(ev.deregister(6n, "n1", "web-1")));
    expect(seen(view, 6n)).toEqual(["part-b||n1||web-1|-1"]);
  });

  test("a node's last instance leaving and coming back, and a reset, start clean", () => {
    const view = new ServiceHealthView();
    view.update(events(ev.register(1n, "n1", "a"), ev.register(1n, "n1", "b")));
    view.update(events(ev.deregister(2n, "n1", "a"), ev.deregister(2n, "n1", "b")));
    expect(view.result(2n).nodes).toEqual([]);
    view.update(events(ev.register(3n, "n1", "b"), ev.deregister(3n, "n1", "missing")));
    expect(view.result(3n).nodes.map((n) => n.Service?.ID)).toEqual(["b"]);
    view.reset();
    view.update(events(ev.deregister(4n, "n1", "b"), ev.register(4n, "n2", "c")));
    expect(view.result(4n).nodes.map((n) => n.Service?.ID)).toEqual(["c"]);
  });
});
