import { EventPublisher, HealthCatalog } from "react-submatview/server";
import { describe, expect, test } from "vitest";

describe("HealthCatalog", () => {
  test("populate registers services × instances, one transaction per service", () => {
    const catalog = new HealthCatalog(new EventPublisher());
    catalog.populate({ services: 4, instancesPerService: 3 });
    expect(catalog.index).toBe(4n);
    expect(catalog.serviceNames()).toEqual([
      "service-00",
      "service-01",
      "service-02",
      "service-03",
    ]);
    expect(catalog.instances("service-02")).toHaveLength(3);
  });

  test("churn is deterministic for a seed and every transaction has a new, higher index", () => {
    const run = (seed: number) => {
      const catalog = new HealthCatalog(new EventPublisher());
      catalog.populate({ services: 3, instancesPerService: 2, seed });
      const trace: string[] = [];
      let last = catalog.index;
      for (let i = 0; i < 50; i++) {
        const index = catalog.churn();
        expect(index).toBeGreaterThan(last);
        last = index;
        trace.push(
          catalog
            .serviceNames()
            .map(
              (s) =>
                `${s}:${catalog.instances(s).map((n) => `${n.Service?.ID}=${n.Checks[0]?.Status}`)}`,
            )
            .join(";"),
        );
      }
      return trace;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  test("an update keeps CreateIndex and moves ModifyIndex; ServiceList counts instances", () => {
    const catalog = new HealthCatalog(new EventPublisher());
    catalog.register({ node: "n1", service: "web", id: "a" });
    catalog.register({ node: "n2", service: "web", id: "b" });
    catalog.setStatus("n1", "a", "critical");
    const [a] = catalog.instances("web");
    expect(a?.Service?.RaftIndex).toMatchObject({ CreateIndex: 1n, ModifyIndex: 3n });
    expect(a?.Checks[0]?.Status).toBe("critical");
    catalog.deregister("n1", "a");
    expect(catalog.serviceNames()).toEqual(["web"]);
    catalog.deregister("n2", "b");
    expect(catalog.serviceNames()).toEqual([]);
    expect(() => catalog.setStatus("n9", "x", "passing")).toThrow(/no instance/);
  });

  test("connect subjects: proxies under their destination, native services, terminating gateways", () => {
    const catalog = new HealthCatalog(new EventPublisher());
    catalog.register({
      node: "n1",
      service: "web-proxy",
      id: "p",
      kind: "connect-proxy",
      proxyDestination: "web",
    });
    catalog.register({ node: "n2", service: "api", connectNative: true });
    catalog.register({
      node: "n3",
      service: "tgw",
      kind: "terminating-gateway",
      gatewayServices: ["web", "db"],
    });
    expect(catalog.instances("web", { connect: true }).map((n) => n.Service?.ID)).toEqual([
      "p",
      "tgw",
    ]);
    expect(catalog.instances("api", { connect: true }).map((n) => n.Service?.ID)).toEqual(["api"]);
    expect(catalog.instances("db", { connect: true }).map((n) => n.Service?.ID)).toEqual(["tgw"]);
    expect(catalog.instances("web")).toEqual([]);
  });
});
