/**
 * Compact instances (issue 10 memory): a view keeps copies of the decoded CheckServiceNodes
 * that stay valid, equal protobuf-es messages (SPEC P1, P4, V2), whose shared frozen parts
 * nothing in the package or in protobuf-es writes to (SPEC M10, V1).
 */
import {
  clone,
  create,
  type DescMessage,
  equals,
  fromBinary,
  isMessage,
  type MessageShape,
  merge,
  ScalarType,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import {
  Materializer,
  MaterializerRegistry,
  ServiceHealthView,
  serviceHealthRequest,
} from "react-submatview/core";
import {
  type CheckServiceNode,
  CheckServiceNodeSchema,
  type Event,
  EventBatchSchema,
  EventSchema,
} from "react-submatview/gen";
import { describe, expect, test } from "vitest";
import { HealthCompactor } from "../../src/core/compact-health.js";
import { StringInterner } from "../../src/core/string-interner.js";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient } from "../support/pushable-client.js";

/** A message of `schema` with every field set to a value that is not its default. */
function filled<T extends DescMessage>(schema: T, seed: number, depth = 0): MessageShape<T> {
  const init: Record<string, unknown> = {};
  const scalar = (type: ScalarType, name: string): unknown => {
    switch (type) {
      case ScalarType.STRING:
        return `${name}-${seed}`;
      case ScalarType.BOOL:
        return true;
      case ScalarType.BYTES:
        return new Uint8Array([seed & 0xff, 7]);
      case ScalarType.UINT64:
      case ScalarType.INT64:
        return 18446744073709551615n - BigInt(seed);
      default:
        return seed + 3;
    }
  };
  for (const field of schema.fields) {
    const name = field.localName;
    if (field.fieldKind === "scalar") init[name] = scalar(field.scalar, name);
    else if (field.fieldKind === "enum") init[name] = 1;
    else if (field.fieldKind === "message") {
      if (depth < 3) init[name] = filled(field.message, seed + 1, depth + 1);
    } else if (field.fieldKind === "list") {
      init[name] =
        field.listKind === "message"
          ? [filled(field.message, seed + 2, depth + 1), filled(field.message, seed + 3, depth + 1)]
          : field.listKind === "scalar"
            ? [scalar(field.scalar, `${name}a`), scalar(field.scalar, `${name}b`)]
            : [1];
    } else if (field.fieldKind === "map") {
      init[name] =
        field.mapKind === "message"
          ? { lan: filled(field.message, seed + 4, depth + 1) }
          : field.mapKind === "scalar"
            ? { lan: scalar(field.scalar, name), wan: scalar(field.scalar, `${name}w`) }
            : { lan: 1 };
    }
  }
  return create(schema, init as never);
}

/** Decodes like a stream does: the message is a view into a larger wire buffer. */
function decodedFromWire(csn: CheckServiceNode, unknownField = false): CheckServiceNode {
  const event = create(EventSchema, {
    Index: 5n,
    Payload: { case: "ServiceHealth", value: { CheckServiceNode: csn } },
  });
  let bytes = toBinary(EventSchema, event);
  if (unknownField) {
    // A field Consul sends and our .proto leaves out (SPEC P1), inside CheckServiceNode.
    const inner = new BinaryWriter()
      .raw(toBinary(CheckServiceNodeSchema, csn))
      .tag(99, WireType.LengthDelimited)
      .string("from-consul")
      .finish();
    const payload = new BinaryWriter().tag(2, WireType.LengthDelimited).bytes(inner).finish();
    bytes = new BinaryWriter()
      .tag(1, WireType.Varint)
      .uint64(5n)
      .tag(10, WireType.LengthDelimited)
      .bytes(payload)
      .finish();
  }
  const decoded = fromBinary(EventSchema, bytes);
  if (decoded.Payload.case !== "ServiceHealth") throw new Error("not a health event");
  return decoded.Payload.value.CheckServiceNode!;
}

const compactor = () => new HealthCompactor();

describe("compact instances are the same protobuf-es messages (SPEC P1, P4, V2)", () => {
  test("every field of every health message survives: equals, toBinary, toJson, clone, isMessage", () => {
    const original = decodedFromWire(filled(CheckServiceNodeSchema, 1));
    const compact = compactor().compact(original);
    expect(compact).not.toBe(original);
    expect(isMessage(compact, CheckServiceNodeSchema)).toBe(true);
    expect(equals(CheckServiceNodeSchema, compact, original)).toBe(true);
    expect(toBinary(CheckServiceNodeSchema, compact)).toEqual(
      toBinary(CheckServiceNodeSchema, original),
    );
    expect(toJson(CheckServiceNodeSchema, compact)).toEqual(
      toJson(CheckServiceNodeSchema, original),
    );
    expect(equals(CheckServiceNodeSchema, clone(CheckServiceNodeSchema, compact), original)).toBe(
      true,
    );
    // uint64 raft indexes stay exact bigints (P4).
    expect(compact.Service?.RaftIndex?.ModifyIndex).toBe(original.Service?.RaftIndex?.ModifyIndex);
  });

  test("every field the generated schema declares has a place in the copy (a new field fails here)", () => {
    const compact = compactor().compact(decodedFromWire(filled(CheckServiceNodeSchema, 2)));
    const own = (message: object, schema: DescMessage) => {
      for (const field of schema.fields) expect(Object.keys(message)).toContain(field.localName);
    };
    own(compact, CheckServiceNodeSchema);
    own(compact.Node!, CheckServiceNodeSchema.field.Node!.message!);
    own(compact.Service!, CheckServiceNodeSchema.field.Service!.message!);
    own(compact.Checks[0]!, CheckServiceNodeSchema.field.Checks!.message!);
  });

  test("unknown fields from Consul are kept and re-encoded, copied off the wire buffer", () => {
    const original = decodedFromWire(filled(CheckServiceNodeSchema, 3), true);
    expect(original.$unknown?.length).toBe(1);
    const compact = compactor().compact(original);
    expect(toBinary(CheckServiceNodeSchema, compact)).toEqual(
      toBinary(CheckServiceNodeSchema, original),
    );
    const data = compact.$unknown![0]!.data;
    expect(data.byteLength).toBe(data.buffer.byteLength);
  });

  test("non-empty bytes are copied off the wire message they point into", () => {
    const original = decodedFromWire(filled(CheckServiceNodeSchema, 4));
    expect(original.Service!.Proxy.buffer.byteLength).toBeGreaterThan(2);
    const proxy = compactor().compact(original).Service!.Proxy;
    expect([...proxy]).toEqual([...original.Service!.Proxy]);
    expect(proxy.buffer.byteLength).toBe(proxy.byteLength);
  });
});

describe("shared frozen parts are never written (SPEC M10, V1)", () => {
  const sparse = () =>
    decodedFromWire(
      create(CheckServiceNodeSchema, {
        Node: { Node: "n1" },
        Service: { ID: "web-1", Service: "web", Weights: { Passing: 1, Warning: 1 } },
        Checks: [{ CheckID: "c", ServiceID: "web-1", Status: "passing" }],
      }),
    );

  test("empty maps, lists, bytes and default weights are one frozen object across instances", () => {
    const k = compactor();
    const a = k.compact(sparse());
    const b = k.compact(sparse());
    for (const [x, y] of [
      [a.Node!.Meta, b.Node!.Meta],
      [a.Node!.TaggedAddresses, b.Service!.Meta],
      [a.Service!.Tags, b.Checks[0]!.ServiceTags],
      [a.Service!.Proxy, b.Checks[0]!.Definition],
      [a.Service!.Weights, b.Service!.Weights],
    ] as const) {
      expect(x).toBe(y);
      expect(Object.isFrozen(x)).toBe(true);
    }
  });

  test("clone, toBinary, toJson, equals and merge leave them frozen and empty; a clone is mutable", () => {
    const compact = compactor().compact(sparse());
    toBinary(CheckServiceNodeSchema, compact);
    toJson(CheckServiceNodeSchema, compact);
    equals(CheckServiceNodeSchema, compact, compact);
    const copy = clone(CheckServiceNodeSchema, compact);
    merge(CheckServiceNodeSchema, copy, filled(CheckServiceNodeSchema, 5));
    copy.Node!.Meta.rack = "r1";
    copy.Service!.Tags.push("v2");
    expect(compact.Node!.Meta).toEqual({});
    expect(compact.Service!.Tags).toEqual([]);
    expect(compact.Service!.Proxy.byteLength).toBe(0);
    expect(compact.Service!.Weights).toMatchObject({ Passing: 1, Warning: 1 });
  });

  test("a view's results and its dehydrated snapshot go through our code without a write", async () => {
    const view = new ServiceHealthView();
    const materializer = new Materializer({
      view,
      client: { subscribe: () => (async function* () {})() },
      request: () => create(EventSchema) as never,
    });
    const events: Event[] = [ev.register(1n, "n1", "web-1"), ev.register(1n, "n2", "web-2")].map(
      (init) => fromBinary(EventSchema, toBinary(EventSchema, create(EventSchema, init))),
    );
    materializer.seed(events, 1n);
    const nodes = materializer.getSnapshot().value!.nodes;
    expect(nodes.map((n) => n.Service?.ID)).toEqual(["web-1", "web-2"]);
    expect(Object.isFrozen(nodes[0]!.Node!.TaggedAddresses)).toBe(true);
    const snapshot = materializer.snapshotEvents()!;
    const batch = fromBinary(
      EventBatchSchema,
      toBinary(EventBatchSchema, create(EventBatchSchema, { Events: snapshot.events })),
    );
    expect(batch.Events).toHaveLength(2);
  });

  test.each([
    ["keeps an equal compact copy", {}, false],
    ["with compact: false keeps the decoded message itself", { compact: false }, true],
  ] as const)("the view, through prepare, %s", (_name, options, same) => {
    const event = fromBinary(
      EventSchema,
      toBinary(EventSchema, create(EventSchema, ev.register(1n, "n1", "web-1"))),
    );
    const decoded = (event.Payload.value as { CheckServiceNode: CheckServiceNode })
      .CheckServiceNode;
    const view = new ServiceHealthView(options);
    view.prepare(event);
    view.update([event]);
    const kept = view.result(1n).nodes[0]!;
    expect(kept === decoded).toBe(same);
    expect(equals(CheckServiceNodeSchema, kept, decoded)).toBe(true);
  });

  test("a deregistration is not copied: it only names the instance to drop", () => {
    const event = create(EventSchema, ev.deregister(2n, "n1", "web-1"));
    const before = (event.Payload.value as { CheckServiceNode: CheckServiceNode }).CheckServiceNode;
    new ServiceHealthView().prepare(event);
    expect((event.Payload.value as { CheckServiceNode: CheckServiceNode }).CheckServiceNode).toBe(
      before,
    );
  });
});

describe("a registry's views keep compact instances (issue 10 memory)", () => {
  test("snapshot and live instances that arrive on a stream are compact copies", async () => {
    const client = new PushableClient();
    const registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
    try {
      const first = registry.get(serviceHealthRequest({ service: "web" }));
      const stream = await client.next();
      stream.push(ev.register(1n, "n1", "web-1"), ev.end(1n));
      expect((await first).value?.nodes).toHaveLength(1);
      stream.push(ev.batch(2n, [ev.register(2n, "n2", "web-2")]));
      const result = await registry.get(serviceHealthRequest({ service: "web" }), {
        minIndex: 1n,
      });
      const nodes = result.value!.nodes;
      expect(nodes.map((n) => n.Service?.ID)).toEqual(["web-1", "web-2"]);
      // Shared frozen empties: only a compact copy has them.
      for (const node of nodes) expect(Object.isFrozen(node.Node!.TaggedAddresses)).toBe(true);
    } finally {
      registry.dispose();
    }
  });
});

describe("the intern table is bounded", () => {
  test("a churn of unique strings never holds more than two generations", () => {
    const table = new StringInterner(8);
    for (let i = 0; i < 1_000; i++) expect(table.intern(`address-${i}`)).toBe(`address-${i}`);
    expect(table.size).toBeLessThanOrEqual(16);
    // A string in steady use survives the turnover.
    for (let i = 0; i < 100; i++) table.intern(i % 2 ? "dc1" : `unique-${i}`);
    expect(table.size).toBeLessThanOrEqual(16);
  });
});
