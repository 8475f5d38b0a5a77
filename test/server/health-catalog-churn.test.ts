// HealthCatalog.churn: the seeded sequence is fixed (demo and tests rely on it) and a churn
// step never copies the catalog (no O(n) work per event).
import { createHash } from "node:crypto";
import {
  EventPublisher,
  HealthCatalog,
  type PublishEvent,
  seededRandom,
} from "react-submatview/server";
import { describe, expect, test, vi } from "vitest";

/** A digest of every event a seeded simulation publishes, and of the final instance order. */
function trace(seed: number, steps: number, services = 5, perService = 4): string {
  const publisher = new EventPublisher();
  const hash = createHash("sha256");
  const publish = publisher.publish.bind(publisher);
  publisher.publish = (events: readonly PublishEvent[]) => {
    for (const e of events) {
      const p = e.payload;
      const what =
        p?.case === "ServiceHealth"
          ? `${p.value.Op}:${p.value.CheckServiceNode?.Node?.Node}/${p.value.CheckServiceNode?.Service?.ID}:${p.value.CheckServiceNode?.Checks?.[0]?.Status}:${p.value.CheckServiceNode?.Service?.Tags}`
          : p?.case === "Service"
            ? `${p.value.Op}:${p.value.Name}`
            : String(p?.case);
      hash.update(`${e.index}|${e.topic}|${e.subject}|${what}\n`);
    }
    publish(events);
  };
  const catalog = new HealthCatalog(publisher);
  catalog.populate({ services, instancesPerService: perService, seed });
  for (let i = 0; i < steps; i++) hash.update(`=${catalog.churn()}\n`);
  for (const spec of catalog.specs()) hash.update(`${spec.node}/${spec.id}:${spec.status}\n`);
  return hash.digest("hex").slice(0, 16);
}

describe("HealthCatalog.churn", () => {
  test("the seeded sequence is the one the demo and tests were built on", () => {
    // Digests recorded from the original (array-copying) implementation, commit dbb8b06.
    expect(trace(1, 4000)).toBe("84d72da47efd9abb");
    expect(trace(7, 4000)).toBe("bba77965a2a6384a");
    expect(trace(42, 2000, 2, 1)).toBe("34b2052e92873836");
    expect(trace(3, 3000, 30, 10)).toBe("a1141505d6822aec");
  });

  test("a churn step reads instances by position: it never copies the list or sorts names", () => {
    const catalog = new HealthCatalog(new EventPublisher());
    catalog.populate({ services: 50, instancesPerService: 40, seed: 5 });
    const specs = vi.spyOn(catalog, "specs");
    const names = vi.spyOn(catalog, "serviceNames");
    const instances = vi.spyOn(catalog, "instances");
    for (let i = 0; i < 500; i++) catalog.churn();
    expect(specs).not.toHaveBeenCalled();
    expect(names).not.toHaveBeenCalled();
    expect(instances).not.toHaveBeenCalled();
  });

  test("specAt(k) is specs()[k] through heavy registration and removal", () => {
    const catalog = new HealthCatalog(new EventPublisher());
    const random = seededRandom(9);
    const check = () => {
      const specs = catalog.specs();
      expect(catalog.instanceCount()).toBe(specs.length);
      for (let k = 0; k < specs.length; k++) expect(catalog.specAt(k)).toBe(specs[k]);
      expect(catalog.specAt(specs.length)).toBeUndefined();
      expect(catalog.specAt(-1)).toBeUndefined();
      expect(catalog.specAt(0.5)).toBeUndefined();
    };
    check();
    for (let round = 0; round < 6; round++) {
      catalog.transaction((tx) => {
        for (let i = 0; i < 300; i++) {
          const n = Math.floor(random() * 400);
          if (random() < 0.6) tx.register({ node: `n${n}`, service: `s${n % 7}`, id: `i${n}` });
          else tx.deregister(`n${n}`, `i${n}`);
        }
      });
      check();
      // Remove almost everything (the positions compact), then re-register a few.
      for (const spec of catalog.specs().slice(3)) catalog.deregister(spec.node, spec.id ?? "");
      check();
    }
    // Names by position agree with the sorted list.
    const names = catalog.serviceNames();
    expect(catalog.serviceNameCount()).toBe(names.length);
    expect(names.map((_, k) => catalog.serviceNameAt(k))).toEqual(names);
  });
});
