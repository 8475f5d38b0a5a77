/** CatalogSimulation: seeded population and churn of a catalog (demo, stories, tests). */
import type {
  HealthStatus,
  InstanceSpec,
  SimulatedCatalog,
  SimulationOptions,
} from "./catalog-types.js";
import { seededRandom } from "./random.js";

/** Deterministic catalog churn for demos, stories and tests (one per catalog). */
export class CatalogSimulation {
  readonly #catalog: SimulatedCatalog;
  readonly #random: () => number;
  #serial = 0;

  constructor(catalog: SimulatedCatalog, seed = 1) {
    this.#catalog = catalog;
    this.#random = seededRandom(seed);
  }

  populate(options: SimulationOptions): void {
    const services = options.services ?? 20;
    const perService = options.instancesPerService ?? 5;
    for (let s = 0; s < services; s++) {
      const service = `service-${String(s).padStart(2, "0")}`;
      this.#catalog.transaction((tx) => {
        for (let i = 0; i < perService; i++) tx.register(this.#newInstance(service, i));
      });
    }
  }

  /** One step; reads instances and names by position, so a step costs O(log n), not O(n). */
  churn(random: () => number = this.#random): bigint {
    const catalog = this.#catalog;
    const count = catalog.instanceCount();
    const roll = random();
    const spec = catalog.specAt(Math.floor(random() * count));
    if (!spec || roll < 0.1) {
      const names = catalog.serviceNameCount();
      const service = catalog.serviceNameAt(Math.floor(random() * names)) ?? "service-00";
      return catalog.register(this.#newInstance(service, this.#serial++));
    }
    if (roll < 0.2 && count > 1)
      return catalog.deregister(spec.node, spec.id ?? spec.service, spec.peer);
    if (roll < 0.35)
      return catalog.register({ ...spec, tags: random() < 0.5 ? ["v1"] : ["v2", "canary"] });
    const statuses: HealthStatus[] = ["passing", "warning", "critical"];
    return catalog.register({
      ...spec,
      status: statuses[Math.floor(random() * statuses.length)] ?? "passing",
    });
  }

  #newInstance(service: string, serial: number): InstanceSpec {
    return {
      node: `node-${Math.floor(this.#random() * 50)}`,
      service,
      id: `${service}-${serial}`,
      address: `10.0.${serial % 250}.${(serial * 7) % 250}`,
      port: 8000 + (serial % 1000),
      tags: ["v1"],
      nodeMeta: { rack: `r${serial % 3}` },
    };
  }
}
