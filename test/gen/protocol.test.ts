import {
  create,
  type DescField,
  type DescMessage,
  fromBinary,
  ScalarType,
  toBinary,
} from "@bufbuild/protobuf";
import {
  CatalogOpSchema,
  CheckServiceNodeSchema,
  ConfigEntryUpdate_UpdateOpSchema,
  ConfigEntryUpdateSchema,
  EnterpriseMetaSchema,
  EventBatchSchema,
  EventSchema,
  HealthCheckSchema,
  LocalitySchema,
  NamedSubjectSchema,
  NodeSchema,
  NodeServiceSchema,
  RaftIndexSchema,
  ServiceAddressSchema,
  ServiceHealthUpdateSchema,
  ServiceListUpdateSchema,
  StateChangeSubscription,
  SubscribeRequestSchema,
  TopicSchema,
  WeightsSchema,
} from "react-submatview/gen";
import { describe, expect, test } from "vitest";

/** `number name type [oneof]`, the shape of SPEC P3's table, read by reflection. */
function fieldsOf(schema: DescMessage): string[] {
  return schema.fields.map(
    (f) => `${f.number} ${f.name} ${typeOf(f)}${f.oneof ? ` oneof:${f.oneof.name}` : ""}`,
  );
}

function typeOf(f: DescField): string {
  switch (f.fieldKind) {
    case "scalar":
      return ScalarType[f.scalar].toLowerCase();
    case "enum":
      return f.enum.typeName;
    case "message":
      return f.message.typeName;
    case "list":
      return `repeated ${f.listKind === "scalar" ? ScalarType[f.scalar].toLowerCase() : f.listKind === "enum" ? f.enum.typeName : f.message.typeName}`;
    case "map":
      return `map<${ScalarType[f.mapKey].toLowerCase()},${f.mapKind === "scalar" ? ScalarType[f.scalar].toLowerCase() : f.mapKind === "enum" ? f.enum.typeName : f.message.typeName}>`;
  }
}

const svc = "hashicorp.consul.internal.service";
const common = "hashicorp.consul.internal.common";

describe("SPEC P1-P3: wire compatibility with Consul's subscribe.proto", () => {
  test("P2: service subscribe.StateChangeSubscription with one server-streaming Subscribe", () => {
    expect(StateChangeSubscription.typeName).toBe("subscribe.StateChangeSubscription");
    expect(
      StateChangeSubscription.methods.map((m) => [
        m.name,
        m.methodKind,
        m.input.typeName,
        m.output.typeName,
      ]),
    ).toEqual([["Subscribe", "server_streaming", "subscribe.SubscribeRequest", "subscribe.Event"]]);
  });

  test("P3: enums", () => {
    const values = (
      e: typeof TopicSchema | typeof CatalogOpSchema | typeof ConfigEntryUpdate_UpdateOpSchema,
    ) => e.values.map((v) => `${v.number} ${v.name}`);
    expect(TopicSchema.typeName).toBe("subscribe.Topic");
    expect(values(TopicSchema)).toEqual([
      "0 Unknown",
      "1 ServiceHealth",
      "2 ServiceHealthConnect",
      "3 MeshConfig",
      "4 ServiceResolver",
      "5 IngressGateway",
      "6 ServiceIntentions",
      "7 ServiceList",
      "8 ServiceDefaults",
      "9 APIGateway",
      "10 TCPRoute",
      "11 HTTPRoute",
      "12 InlineCertificate",
      "13 BoundAPIGateway",
      "14 IPRateLimit",
      "15 SamenessGroup",
      "16 JWTProvider",
    ]);
    expect(CatalogOpSchema.typeName).toBe("subscribe.CatalogOp");
    expect(values(CatalogOpSchema)).toEqual(["0 Register", "1 Deregister"]);
    expect(ConfigEntryUpdate_UpdateOpSchema.typeName).toBe("subscribe.ConfigEntryUpdate.UpdateOp");
    expect(values(ConfigEntryUpdate_UpdateOpSchema)).toEqual(["0 Upsert", "1 Delete"]);
  });

  test.each([
    [
      NamedSubjectSchema,
      "subscribe.NamedSubject",
      ["1 Key string", "2 Namespace string", "3 Partition string", "4 PeerName string"],
    ],
    [
      SubscribeRequestSchema,
      "subscribe.SubscribeRequest",
      [
        "1 Topic subscribe.Topic",
        "2 Key string",
        "3 Token string",
        "4 Index uint64",
        "5 Datacenter string",
        "6 Namespace string",
        "7 Partition string",
        "8 PeerName string",
        "9 WildcardSubject bool oneof:Subject",
        "10 NamedSubject subscribe.NamedSubject oneof:Subject",
      ],
    ],
    [
      EventSchema,
      "subscribe.Event",
      [
        "1 Index uint64",
        "2 EndOfSnapshot bool oneof:Payload",
        "3 NewSnapshotToFollow bool oneof:Payload",
        "4 EventBatch subscribe.EventBatch oneof:Payload",
        "10 ServiceHealth subscribe.ServiceHealthUpdate oneof:Payload",
        "11 ConfigEntry subscribe.ConfigEntryUpdate oneof:Payload",
        "12 Service subscribe.ServiceListUpdate oneof:Payload",
      ],
    ],
    [EventBatchSchema, "subscribe.EventBatch", ["1 Events repeated subscribe.Event"]],
    [
      ServiceHealthUpdateSchema,
      "subscribe.ServiceHealthUpdate",
      ["1 Op subscribe.CatalogOp", `2 CheckServiceNode ${svc}.CheckServiceNode`],
    ],
    [
      ServiceListUpdateSchema,
      "subscribe.ServiceListUpdate",
      [
        "1 Op subscribe.CatalogOp",
        "2 Name string",
        `3 EnterpriseMeta ${common}.EnterpriseMeta`,
        "4 PeerName string",
      ],
    ],
    [
      ConfigEntryUpdateSchema,
      "subscribe.ConfigEntryUpdate",
      ["1 Op subscribe.ConfigEntryUpdate.UpdateOp", "2 ConfigEntry bytes"],
    ],
    [
      CheckServiceNodeSchema,
      `${svc}.CheckServiceNode`,
      [
        `1 Node ${svc}.Node`,
        `2 Service ${svc}.NodeService`,
        `3 Checks repeated ${svc}.HealthCheck`,
      ],
    ],
    [
      NodeSchema,
      `${svc}.Node`,
      [
        "1 ID string",
        "2 Node string",
        "3 Address string",
        "4 Datacenter string",
        "5 TaggedAddresses map<string,string>",
        "6 Meta map<string,string>",
        `7 RaftIndex ${common}.RaftIndex`,
        "8 Partition string",
        "9 PeerName string",
        `10 Locality ${common}.Locality`,
      ],
    ],
    [
      NodeServiceSchema,
      `${svc}.NodeService`,
      [
        "1 Kind string",
        "2 ID string",
        "3 Service string",
        "4 Tags repeated string",
        "5 Address string",
        "6 Meta map<string,string>",
        "7 Port int32",
        `8 Weights ${svc}.Weights`,
        "9 EnableTagOverride bool",
        "11 Proxy bytes",
        "12 Connect bytes",
        "13 LocallyRegisteredAsSidecar bool",
        `14 RaftIndex ${common}.RaftIndex`,
        `15 TaggedAddresses map<string,${svc}.ServiceAddress>`,
        `16 EnterpriseMeta ${common}.EnterpriseMeta`,
        "17 SocketPath string",
        "18 PeerName string",
        `19 Locality ${common}.Locality`,
      ],
    ],
    [
      HealthCheckSchema,
      `${svc}.HealthCheck`,
      [
        "1 Node string",
        "2 CheckID string",
        "3 Name string",
        "4 Status string",
        "5 Notes string",
        "6 Output string",
        "7 ServiceID string",
        "8 ServiceName string",
        "9 ServiceTags repeated string",
        "10 Definition bytes",
        `11 RaftIndex ${common}.RaftIndex`,
        "12 Type string",
        `13 EnterpriseMeta ${common}.EnterpriseMeta`,
        "14 ExposedPort int32",
        "15 Interval string",
        "16 Timeout string",
        "17 PeerName string",
        "18 TTL string",
      ],
    ],
    [ServiceAddressSchema, `${svc}.ServiceAddress`, ["1 Address string", "2 Port int32"]],
    [WeightsSchema, `${svc}.Weights`, ["1 Passing int32", "2 Warning int32"]],
    [RaftIndexSchema, `${common}.RaftIndex`, ["1 CreateIndex uint64", "2 ModifyIndex uint64"]],
    [
      EnterpriseMetaSchema,
      `${common}.EnterpriseMeta`,
      ["1 Namespace string", "2 Partition string"],
    ],
    [LocalitySchema, `${common}.Locality`, ["1 Region string", "2 Zone string"]],
  ] as const)("P3: %s matches Consul's fields", (schema, typeName, fields) => {
    expect(schema.typeName).toBe(typeName);
    expect(fieldsOf(schema)).toEqual(fields);
  });
});

describe("SPEC P4: uint64 indexes are exact bigints", () => {
  test("an index of 2^63+5 round-trips through the binary and JSON codecs", () => {
    const index = 2n ** 63n + 5n;
    const event = create(EventSchema, {
      Index: index,
      Payload: { case: "EndOfSnapshot", value: true },
    });
    expect(fromBinary(EventSchema, toBinary(EventSchema, event)).Index).toBe(index);
    const request = create(SubscribeRequestSchema, { Index: 2n ** 64n - 1n });
    expect(
      fromBinary(SubscribeRequestSchema, toBinary(SubscribeRequestSchema, request)).Index,
    ).toBe(2n ** 64n - 1n);
  });

  test("Consul's wire bytes decode: Event{Index: 2^63+5, EndOfSnapshot: true}", () => {
    // Hand-encoded as Consul (Go, gogo/protobuf) writes it: field 1 varint, field 2 varint 1.
    const varint = (n: bigint) => {
      const out: number[] = [];
      while (n > 0x7fn) {
        out.push(Number((n & 0x7fn) | 0x80n));
        n >>= 7n;
      }
      out.push(Number(n));
      return out;
    };
    const bytes = new Uint8Array([0x08, ...varint(2n ** 63n + 5n), 0x10, 0x01]);
    const event = fromBinary(EventSchema, bytes);
    expect(event.Index).toBe(2n ** 63n + 5n);
    expect(event.Payload).toEqual({ case: "EndOfSnapshot", value: true });
    expect(toBinary(EventSchema, event)).toEqual(bytes);
  });
});
