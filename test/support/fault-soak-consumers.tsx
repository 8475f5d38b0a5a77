/**
 * The consumers of the fault soak and the checks on what they observe: registry `notify`
 * callbacks, blocking `get` loops (Consul's agent cache), and mounted React components whose
 * rendered DOM is read after every commit. Each observed state is checked against the server's
 * state at exactly that index (per token and epoch); convergence resolves once every consumer
 * shows the final state.
 */
import { useLayoutEffect, useRef } from "react";
import {
  type MaterializerRegistry,
  type ServiceHealthResult,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { type EpochCursor, type FaultWorld, rowOf, type Token } from "./fault-world.js";

export const rowsOf = (value: ServiceHealthResult): string => value.nodes.map(rowOf).join(",");

export interface Consumer {
  readonly who: string;
  token: Token;
  service: string;
  readonly cursor: EpochCursor;
  /** The rows last observed (undefined: nothing yet since the last key change). */
  last?: string;
  /** The last status and error seen, for failure messages. */
  note?: string;
}

/** Every consumer of one case, what they observed, and whether they converged. */
export class Observations {
  readonly consumers: Consumer[] = [];
  readonly mismatches: string[] = [];
  checked = 0;
  #final = false;
  #onConverged: (() => void) | undefined;
  #onMixed: ((error: Error) => void) | undefined;

  constructor(readonly world: FaultWorld) {}

  add(who: string, token: Token, service: string): Consumer {
    const consumer: Consumer = { who, token, service, cursor: { epoch: 0 } };
    this.consumers.push(consumer);
    return consumer;
  }

  /** One observed state (index > 0): checked against the server at that index. */
  seen(consumer: Consumer, index: bigint, rows: string): void {
    this.checked++;
    const wrong = this.world.check(
      consumer.cursor,
      consumer.who,
      consumer.token,
      consumer.service,
      index,
      rows,
    );
    if (wrong) {
      if (this.mismatches.length < 20) this.mismatches.push(wrong);
      this.#onMixed?.(this.#mixedError());
    }
    consumer.last = rows;
    this.#maybeConverged();
  }

  /**
   * Resolves once every consumer shows the final state; rejects at the first mixed state
   * (so a failing case ends at once, not at the convergence deadline).
   */
  converged(): Promise<void> {
    this.#final = true;
    return new Promise((resolve, reject) => {
      this.#onConverged = resolve;
      this.#onMixed = reject;
      this.throwIfMixed();
      this.#maybeConverged();
    });
  }

  /** Throws if any observed state was mixed. */
  throwIfMixed(): void {
    if (this.mismatches.length > 0) throw this.#mixedError();
  }

  #mixedError(): Error {
    return new Error(`mixed states (SPEC M3, M5, H2, S7):\n${this.mismatches.join("\n")}`);
  }

  /** The consumers not showing the final state, for a failure message. */
  lagging(): string[] {
    return this.consumers
      .filter((c) => c.last !== this.world.final(c.token, c.service))
      .map(
        (c) =>
          `${c.who} ${c.token}/${c.service} (${c.note}): [${c.last}] want [${this.world.final(c.token, c.service)}]`,
      );
  }

  #maybeConverged(): void {
    if (!this.#final || !this.#onConverged) return;
    if (this.consumers.every((c) => c.last === this.world.final(c.token, c.service))) {
      this.#onConverged();
      this.#onConverged = undefined;
    }
  }
}

/** A `notify` consumer (SPEC R3): every callback's state is checked. */
export function notifyConsumer(
  registry: MaterializerRegistry,
  observations: Observations,
  who: string,
  token: Token,
  service: string,
  signal: AbortSignal,
): Consumer {
  const consumer = observations.add(who, token, service);
  registry.notify(
    serviceHealthRequest({ service, token }),
    (state) => {
      consumer.note = `${state.status}@${state.index} ${state.error?.message ?? ""}`;
      if (state.index > 0n && state.value)
        observations.seen(consumer, state.index, rowsOf(state.value));
    },
    { signal },
  );
  return consumer;
}

/**
 * A blocking-query loop (SPEC M8, R2): each result's index is the next `minIndex`; results with
 * an error carry the last good state, checked too. Resolves when `signal` aborts.
 */
export async function blockingConsumer(
  registry: MaterializerRegistry,
  observations: Observations,
  who: string,
  token: Token,
  service: string,
  signal: AbortSignal,
): Promise<void> {
  const consumer = observations.add(who, token, service);
  const request = serviceHealthRequest({ service, token });
  let minIndex = 0n;
  while (!signal.aborted) {
    const result = await registry.get(request, { minIndex, signal }).catch(() => undefined);
    if (!result) return;
    if (result.index > 0n && result.value)
      observations.seen(consumer, result.index, rowsOf(result.value));
    if (!result.error) minIndex = result.index;
  }
}

export interface ViewerProps {
  readonly consumer: Consumer;
  readonly observations: Observations;
  readonly service: string;
  readonly token: Token;
}

/**
 * A component whose `request` follows its props (key and token switches, SPEC H2): after each
 * commit it reads its own DOM and checks what is rendered against the server at that index.
 */
export function Viewer({ consumer, observations, service, token }: ViewerProps) {
  const { data, index, status, error } = useMaterializedView(
    serviceHealthRequest({ service, token }),
  );
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    consumer.note = `${status}@${index} ${error?.message ?? ""}`;
    const element = ref.current;
    if (!element) return;
    const shown = element.dataset;
    if (consumer.token !== shown.token || consumer.service !== shown.service) {
      consumer.token = shown.token as Token;
      consumer.service = shown.service ?? "";
      consumer.last = undefined;
      consumer.cursor.epoch = 0;
    }
    if (shown.loaded === "1") {
      observations.seen(consumer, BigInt(shown.index ?? "0"), element.textContent ?? "");
    }
  });
  return (
    <div
      ref={ref}
      data-service={service}
      data-token={token}
      data-index={String(index)}
      data-loaded={data ? "1" : "0"}
    >
      {data ? rowsOf(data) : ""}
    </div>
  );
}
