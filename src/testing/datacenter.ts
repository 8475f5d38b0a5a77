/**
 * A ready datacenter (SPEC T2): the real `EventPublisher` and `HealthCatalog` behind an in-memory
 * Connect router transport, seeded deterministically, with churn and fault controls.
 */
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import type { ComponentType, ReactNode } from "react";
import type { MaterializerRegistry } from "../core/index.js";
import { StateChangeSubscription, Topic } from "../gen/index.js";
import { acceptSubscription } from "../server/accepted-header.js";
import { EventPublisher } from "../server/event-publisher.js";
import { HealthCatalog } from "../server/health-catalog.js";
import { wireEvent } from "../server/subscribe-service.js";
import type { Subscription } from "../server/subscription.js";
import { createTestRegistry, type TestRegistryOptions } from "./defaults.js";
import { createInMemoryTransport } from "./in-memory-transport.js";
import { createWrapper } from "./wrapper.js";

/** Options of {@link createDatacenter}: the seeded catalog, churn and registry. */
export interface DatacenterOptions {
  /** Services `service-00` … (default 4). */
  readonly services?: number;
  /** Instances per service (default 5). */
  readonly instancesPerService?: number;
  /** Seed of the population and of the churn (default 1): equal seeds, equal catalogs. */
  readonly seed?: number;
  /** Catalog changes per second, started at once (default 0: none; see `churn`). */
  readonly churnPerSecond?: number;
  /** Options of the datacenter's test registry. */
  readonly registry?: TestRegistryOptions;
}

/**
 * A whole datacenter in memory, for stories, demos and tests that want a real server rather
 * than a script. `catalog` changes publish live events; the fault controls act on the
 * streams open right now. Create one per test or story and `dispose()` it.
 *
 * @example
 * ```tsx
 * const dc = createDatacenter({ services: 2, seed: 7 });
 * render(<Health service="service-00" />, { wrapper: dc.wrapper });
 * dc.catalog.setStatus("node-3", "service-00-1", "critical");
 * dc.dispose();
 * ```
 */
export interface Datacenter {
  /** The publisher serving streams now (replaced by `restore`). */
  readonly publisher: EventPublisher;
  /** The catalog; register, deregister and setStatus publish transactions (replaced by `restore`). */
  readonly catalog: HealthCatalog;
  readonly transport: Transport;
  readonly registry: MaterializerRegistry;
  readonly wrapper: ComponentType<{ children?: ReactNode }>;
  /** The catalog's index. */
  readonly index: bigint;
  /** Runs one random catalog change now (deterministic for the seed); returns the new index. */
  step(): bigint;
  /** Sets the churn rate (changes per second, 0 stops it). */
  churn(perSecond: number): void;
  /** Drops every open stream (`Unavailable`): clients keep their data and resume (SPEC M6). */
  dropAll(): void;
  /** Force-closes every open stream with `Aborted`: clients reset and resnapshot (SPEC P5). */
  reset(): void;
  /**
   * Restores the catalog to `index` (default: half the current one), as a server restored from
   * an older snapshot: the same instances at a lower index. Open streams end with `Aborted` and
   * clients resnapshot at the lower index (SPEC M8's reset below `minIndex`).
   */
  restore(index?: bigint): void;
  /** Stops churn, disposes the registry and ends every stream; idempotent. */
  dispose(): void;
}

/** Creates a {@link Datacenter}; see there. */
export function createDatacenter(options: DatacenterOptions = {}): Datacenter {
  let publisher = new EventPublisher();
  let catalog = new HealthCatalog(publisher);
  catalog.populate({
    services: options.services ?? 4,
    instancesPerService: options.instancesPerService ?? 5,
    seed: options.seed ?? 1,
  });
  const open = new Set<Subscription>();
  const closeAll = (code: Code, message: string) => {
    for (const subscription of [...open]) subscription.close(new ConnectError(message, code));
  };

  const transport = createInMemoryTransport(({ service }) => {
    service(StateChangeSubscription, {
      // The real service's loop (createSubscribeService), keeping each subscription so the
      // fault controls can end it.
      async *subscribe(request, context) {
        const source = publisher;
        const filter = await source.authorize(request.Token, request);
        const subscription = source.subscribe(request);
        // Accepted: the headers go out with the marker, as from serve() (SPEC M4, T2).
        acceptSubscription(context);
        open.add(subscription);
        try {
          for (;;) {
            const event = wireEvent(await subscription.next(context.signal), filter);
            if (event) yield event;
          }
        } finally {
          open.delete(subscription);
          subscription.unsubscribe();
        }
      },
    });
  });

  let timer: ReturnType<typeof setInterval> | undefined;
  let disposed = false;
  const churn = (perSecond: number) => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    if (perSecond > 0 && !disposed) {
      timer = setInterval(() => catalog.churn(), Math.max(1, Math.round(1000 / perSecond)));
    }
  };
  const registry = createTestRegistry(transport, options.registry);
  churn(options.churnPerSecond ?? 0);

  return {
    get publisher() {
      return publisher;
    },
    get catalog() {
      return catalog;
    },
    transport,
    registry,
    wrapper: createWrapper(registry),
    get index() {
      return catalog.index;
    },
    step: () => catalog.churn(),
    churn,
    dropAll: () => closeAll(Code.Unavailable, "connection dropped"),
    reset: () =>
      closeAll(
        Code.Aborted,
        "subscription closed by server, client must reset state and resubscribe",
      ),
    restore(index = catalog.index / 2n) {
      if (index <= 0n || index >= catalog.index) {
        throw new Error(`restore: the index must be in 1…${catalog.index - 1n} (got ${index})`);
      }
      const specs = catalog.specs();
      publisher = new EventPublisher();
      catalog = new HealthCatalog(publisher);
      // Advance the new publisher to just below `index` (nobody subscribes yet: dropped, S4),
      // then write every instance back in one transaction at `index`.
      if (index > 1n) {
        publisher.publish([
          {
            topic: Topic.ServiceHealth,
            subject: "",
            index: index - 1n,
            payload: { case: undefined },
          },
        ]);
      }
      catalog.transaction((tx) => {
        for (const spec of specs) tx.register(spec);
      });
      closeAll(Code.Aborted, "subscription closed by server, server state restored");
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      churn(0);
      registry.dispose();
      closeAll(Code.Unavailable, "datacenter disposed");
    },
  };
}
