/**
 * A user-written health view that applies events one by one and throws on a foreign payload
 * part-way through an update (not `atomicUpdates`): the materializer must still leave no trace
 * of a rejected update (SPEC M5) and must not alias its state (M10). Used by the fuzzer.
 */
import type { ServiceHealthResult, View } from "react-submatview/core";
import { uniqueId } from "react-submatview/core";
import type { CheckServiceNode, Event } from "react-submatview/gen";
import { CatalogOp } from "react-submatview/gen";

export class NaiveHealthView implements View<ServiceHealthResult> {
  readonly #nodes = new Map<string, CheckServiceNode>();

  update(events: readonly Event[]): void {
    for (const event of events) {
      const payload = event.Payload;
      if (payload.case !== "ServiceHealth" || !payload.value.CheckServiceNode)
        throw new Error(`not a health event: ${payload.case}`);
      const csn = payload.value.CheckServiceNode;
      if (payload.value.Op === CatalogOp.Deregister) this.#nodes.delete(uniqueId(csn));
      else this.#nodes.set(uniqueId(csn), csn);
    }
  }

  result(index: bigint): ServiceHealthResult {
    const nodes = [...this.#nodes.values()].sort((a, b) =>
      (a.Node?.Node ?? "").localeCompare(b.Node?.Node ?? ""),
    );
    return { nodes, index };
  }

  reset(): void {
    this.#nodes.clear();
  }
}
