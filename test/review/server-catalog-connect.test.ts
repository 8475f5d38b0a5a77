// Review of the health catalog's connect subjects (SPEC S5, S2): instances that share a
// connect subject — two terminating gateways linking one service, a gateway and a
// Connect-native instance — leave it one at a time, and case or peer never merges them.
import { EventPublisher, HealthCatalog, type InstanceSpec } from "react-submatview/server";
import { describe, expect, test } from "vitest";

const gateway = (
  id: string,
  services: string[],
  extra: Partial<InstanceSpec> = {},
): InstanceSpec => ({
  node: "n1",
  service: id,
  id,
  kind: "terminating-gateway",
  gatewayServices: services,
  ...extra,
});

const connectIds = (catalog: HealthCatalog, service: string, peer?: string) =>
  catalog
    .instances(service, { connect: true, peer })
    .map((n) => n.Service?.ID)
    .sort();

describe("review: shared connect subjects (SPEC S5)", () => {
  test("SPEC S5: one of two gateways linking a service stops: the other stays in its subject", () => {
    const catalog = new HealthCatalog(new EventPublisher());
    catalog.register(gateway("tgw1", ["web", "api"]));
    catalog.register(gateway("tgw2", ["WEB"]));
    catalog.register({ node: "n2", service: "web", id: "web-native", connectNative: true });
    expect(connectIds(catalog, "web")).toEqual(["tgw1", "tgw2", "web-native"]);
    catalog.register(gateway("tgw1", ["api"]));
    expect(connectIds(catalog, "web")).toEqual(["tgw2", "web-native"]);
    expect(connectIds(catalog, "api")).toEqual(["tgw1"]);
    catalog.deregister("n1", "tgw2");
    expect(connectIds(catalog, "web")).toEqual(["web-native"]);
    catalog.register({ node: "n2", service: "web", id: "web-native" });
    expect(connectIds(catalog, "web")).toEqual([]);
  });

  test("SPEC S2/S5: a peered gateway and a local one linking the same name are separate subjects", () => {
    const catalog = new HealthCatalog(new EventPublisher());
    catalog.register(gateway("tgw", ["web"]));
    catalog.register(gateway("tgw", ["web"], { peer: "east" }));
    catalog.register(gateway("tgw", [], { peer: "east" }));
    expect(connectIds(catalog, "web")).toEqual(["tgw"]);
    expect(connectIds(catalog, "web", "east")).toEqual([]);
  });
});
