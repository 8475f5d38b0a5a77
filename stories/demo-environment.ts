/**
 * The stories' datacenter: the testing kit's `createDatacenter` (the real EventPublisher and
 * HealthCatalog behind Connect's router transport, in the browser). Kept as a name the demo
 * stories and their tests share.
 */
import {
  createDatacenter,
  type Datacenter,
  type DatacenterOptions,
} from "react-submatview/testing";

export type DemoEnvironment = Datacenter;

/** A small seeded datacenter (4 services × 5 instances by default), no churn until asked. */
export function createDemoEnvironment(options: DatacenterOptions = {}): DemoEnvironment {
  return createDatacenter({ services: 4, instancesPerService: 5, seed: 1, ...options });
}
