/** Types of the health catalog and its simulation (a leaf module: it imports nothing of ours). */
export type HealthStatus = "passing" | "warning" | "critical";

/** One service instance, as registered in the catalog. */
export interface InstanceSpec {
  readonly node: string;
  readonly service: string;
  /** Service ID; defaults to the service name. */
  readonly id?: string;
  readonly peer?: string;
  readonly datacenter?: string;
  readonly address?: string;
  readonly port?: number;
  readonly tags?: readonly string[];
  readonly meta?: Readonly<Record<string, string>>;
  readonly nodeMeta?: Readonly<Record<string, string>>;
  /** Consul service kind: "" (typical), "connect-proxy", "terminating-gateway", … */
  readonly kind?: string;
  /** For a connect-proxy: the service it fronts (published on ServiceHealthConnect under it). */
  readonly proxyDestination?: string;
  /** A Connect-native service (published on ServiceHealthConnect under its own name). */
  readonly connectNative?: boolean;
  /** For a terminating gateway: the services it links (published on their connect subjects). */
  readonly gatewayServices?: readonly string[];
  /** Status of the instance's single service check; default "passing". */
  readonly status?: HealthStatus;
}

export interface HealthCatalogOptions {
  /** Datacenter written into nodes; default "dc1". */
  readonly datacenter?: string;
}

export interface SimulationOptions {
  readonly services?: number;
  readonly instancesPerService?: number;
  /** Seed of the deterministic churn; default 1. */
  readonly seed?: number;
}

/** Operations of one catalog transaction; all of them share one index. */
export interface CatalogTransaction {
  register(instance: InstanceSpec): void;
  deregister(node: string, serviceId: string, peer?: string): void;
  setStatus(node: string, serviceId: string, status: HealthStatus, peer?: string): void;
}

/** What a simulation needs of a catalog (keeps the simulation free of the catalog module). */
export interface SimulatedCatalog {
  transaction(fn: (tx: CatalogTransaction) => void): bigint;
  register(instance: InstanceSpec): bigint;
  deregister(node: string, serviceId: string, peer?: string): bigint;
  /** Number of service names (with duplicates across peers), and one by sorted position. */
  serviceNameCount(): number;
  serviceNameAt(position: number): string | undefined;
  /** Number of instances, and one by registration-order position (O(log n)). */
  instanceCount(): number;
  specAt(position: number): InstanceSpec | undefined;
}
