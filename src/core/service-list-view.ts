import { create } from "@bufbuild/protobuf";
import type { Event } from "../gen/index.js";
import { CatalogOp, EventSchema } from "../gen/index.js";
import { ProtocolError } from "./errors.js";
import { KeyedView } from "./keyed-view.js";
import { compareBytes } from "./service-health-view.js";
import type { View } from "./types.js";

export interface ServiceName {
  readonly name: string;
  readonly partition: string;
  readonly namespace: string;
  readonly peer: string;
}

export interface ServiceListResult {
  /** Services sorted by name, then peer, partition and namespace; a fresh array per index. */
  readonly services: readonly ServiceName[];
  readonly index: bigint;
}

/** Materializes the `ServiceList` topic into the sorted list of service names (SPEC V3). */
export class ServiceListView implements View<ServiceListResult> {
  readonly #view = new KeyedView<ServiceName>({
    compare: (a, b) =>
      compareBytes(a.name, b.name) ||
      compareBytes(a.peer, b.peer) ||
      compareBytes(a.partition, b.partition) ||
      compareBytes(a.namespace, b.namespace),
    apply(event: Event) {
      const payload = event.Payload;
      if (payload.case !== "Service") {
        throw new ProtocolError(
          `unexpected ${payload.case ?? "unknown"} payload for a service list view`,
        );
      }
      const { Name, PeerName, EnterpriseMeta, Op } = payload.value;
      const service: ServiceName = {
        name: Name,
        peer: PeerName,
        partition: EnterpriseMeta?.Partition ?? "",
        namespace: EnterpriseMeta?.Namespace ?? "",
      };
      const key = `${service.partition}/${service.namespace}/${service.peer}/${service.name}`;
      return Op === CatalogOp.Deregister ? { key, delete: true } : { key, value: service };
    },
  });
  #last: ServiceListResult | undefined;
  /** All or nothing (SPEC M5): the keyed view maps every event before changing anything. */
  readonly atomicUpdates = true;

  update(events: readonly Event[]): void {
    this.#view.update(events);
  }

  result(index: bigint): ServiceListResult {
    if (this.#last?.index !== index)
      this.#last = { services: this.#view.result(index).items, index };
    return this.#last;
  }

  reset(): void {
    this.#last = undefined;
    this.#view.reset();
  }

  snapshotEvents(): Event[] {
    return this.#view.items().map((s) =>
      create(EventSchema, {
        Payload: {
          case: "Service",
          value: {
            Op: CatalogOp.Register,
            Name: s.name,
            PeerName: s.peer,
            EnterpriseMeta: { Partition: s.partition, Namespace: s.namespace },
          },
        },
      }),
    );
  }
}
