import { create } from "@bufbuild/protobuf";
import { serviceHealthRequest, serviceListRequest, tokenHash } from "react-submatview/core";
import { type Event, EventSchema, Topic } from "react-submatview/gen";
import { describe, expect, test } from "vitest";
import { ev } from "../support/pushable-client.js";

describe("SPEC R1: request keys", () => {
  test("equal requests have equal keys, however their options are ordered", () => {
    const a = serviceHealthRequest({
      service: "web",
      tags: ["B", "a"],
      nodeMeta: { z: "1", a: "2" },
      token: "t",
    });
    const b = serviceHealthRequest({
      token: "t",
      nodeMeta: { a: "2", z: "1" },
      tags: ["a", "b"],
      service: "web",
    });
    expect(a.key).toBe(b.key);
  });

  test.each([
    ["service", { service: "db" }],
    ["token", { token: "other" }],
    ["datacenter", { datacenter: "dc2" }],
    ["connect", { connect: true }],
    ["peer", { peer: "p" }],
    ["namespace", { namespace: "ns" }],
    ["partition", { partition: "pt" }],
    ["tags", { tags: ["x"] }],
    ["node meta", { nodeMeta: { rack: "r1" } }],
    ["filter", { filter: () => true, filterKey: "passing" }],
  ])("a different %s gives a different key", (_name, change) => {
    const base = { service: "web", token: "t" };
    expect(serviceHealthRequest({ ...base, ...change }).key).not.toBe(
      serviceHealthRequest(base).key,
    );
  });

  test("the key holds a SHA-256 prefix of the token, never the token", () => {
    const token = "b2c7f1f0-1234-4d2a-9a51-5e3c5b2a0f11";
    const request = serviceHealthRequest({ service: "web", token });
    expect(request.key).not.toContain(token);
    expect(request.key).toContain(tokenHash(token));
    expect(tokenHash(token)).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(request)).not.toContain(token);
    // The token still reaches the server, in the request itself.
    expect(request.subscribeRequest(5n)).toMatchObject({
      Token: token,
      Index: 5n,
      Topic: Topic.ServiceHealth,
    });
  });

  test("service and list requests never share keys", () => {
    expect(serviceListRequest().key).not.toBe(serviceHealthRequest({ service: "*" }).key);
    expect(serviceListRequest().subscribeRequest(0n).Subject).toEqual({
      case: "WildcardSubject",
      value: true,
    });
  });

  test("equal options give the same request object (builders run on every render)", () => {
    const a = serviceHealthRequest({ service: "web", token: "t", tags: ["x"] });
    expect(serviceHealthRequest({ service: "web", token: "t", tags: ["x"] })).toBe(a);
    expect(serviceHealthRequest({ service: "web", token: "u", tags: ["x"] })).not.toBe(a);
    expect(serviceHealthRequest({ service: "web", token: "t", tags: ["y"] })).not.toBe(a);
    // Bounded: after many other requests the old one is rebuilt (equal key, new object).
    for (let i = 0; i < 300; i++) serviceHealthRequest({ service: `s${i}` });
    const rebuilt = serviceHealthRequest({ service: "web", token: "t", tags: ["x"] });
    expect(rebuilt).not.toBe(a);
    expect(rebuilt.key).toBe(a.key);
  });

  test("misuse throws with the fix in the message", () => {
    serviceHealthRequest({ service: "web" }); // an equal-looking request already cached
    expect(() => serviceHealthRequest({ service: "web", filter: () => true })).toThrow(/filterKey/);
    expect(() => serviceHealthRequest({ service: "" })).toThrow(/`service` is required/);
  });
});

describe("serviceHealthRequest({ compact: false }) (SPEC R1, V2)", () => {
  test("keeps the decoded messages as they are, under a key of its own", () => {
    const compact = serviceHealthRequest({ service: "web" });
    const asDecoded = serviceHealthRequest({ service: "web", compact: false });
    expect(serviceHealthRequest({ service: "web", compact: true }).key).toBe(compact.key);
    expect(asDecoded.key).not.toBe(compact.key);

    const nodeOf = (event: Event) =>
      event.Payload.case === "ServiceHealth" ? event.Payload.value.CheckServiceNode : undefined;
    const decoded = create(EventSchema, ev.register(3n, "n1", "web-1"));
    const original = nodeOf(decoded);
    asDecoded.createView().prepare?.(decoded);
    expect(nodeOf(decoded)).toBe(original);

    const copied = create(EventSchema, ev.register(3n, "n1", "web-1"));
    const before = nodeOf(copied);
    compact.createView().prepare?.(copied);
    expect(nodeOf(copied)).not.toBe(before);
    expect(nodeOf(copied)).toEqual(before);
  });
});
