import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { StreamClient } from "react-submatview/core";
import { CatalogOp, type Event, EventSchema, type SubscribeRequest } from "react-submatview/gen";

type EventInit = MessageInitShape<typeof EventSchema>;

/**
 * One fake `Subscribe` stream: the test pushes events, errors or the end; the materializer
 * reads them in order. Nothing is timed: each read waits for the next push.
 */
export class PushableStream {
  readonly #queue: Array<{ event?: Event; error?: unknown; end?: true }> = [];
  #wake: (() => void) | undefined;
  #aborted = false;
  #drained: Array<() => void> = [];

  constructor(
    readonly request: SubscribeRequest,
    readonly signal: AbortSignal,
  ) {
    signal.addEventListener("abort", () => {
      this.#aborted = true;
      this.#wake?.();
    });
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  push(...events: EventInit[]): this {
    for (const init of events) this.#queue.push({ event: create(EventSchema, init) });
    this.#wake?.();
    return this;
  }

  fail(error: unknown): void {
    this.#queue.push({ error });
    this.#wake?.();
  }

  end(): void {
    this.#queue.push({ end: true });
    this.#wake?.();
  }

  /**
   * Resolves once the reader has taken every pushed item and waits for more: everything
   * pushed so far has been handled (a deterministic sync point, no timers).
   */
  drained(): Promise<void> {
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  async *events(): AsyncGenerator<Event> {
    for (;;) {
      const next = this.#queue.shift();
      if (this.#aborted) throw Object.assign(new Error("aborted"), { name: "AbortError" });
      if (!next) {
        for (const resolve of this.#drained.splice(0)) resolve();
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
        continue;
      }
      if (next.error !== undefined) throw next.error;
      if (next.end) return;
      yield next.event!;
    }
  }
}

/** A stream client whose streams the test drives; `next()` resolves with the next one opened. */
export class PushableClient implements StreamClient {
  readonly streams: PushableStream[] = [];
  readonly #waiting: Array<(stream: PushableStream) => void> = [];
  #taken = 0;

  subscribe(request: SubscribeRequest, options: { signal: AbortSignal }): AsyncIterable<Event> {
    const stream = new PushableStream(request, options.signal);
    this.streams.push(stream);
    this.#waiting.shift()?.(stream);
    return stream.events();
  }

  /** The next stream opened after the previous `next()` (in order). */
  next(): Promise<PushableStream> {
    const index = this.#taken++;
    const ready = this.streams[index];
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  get requests(): SubscribeRequest[] {
    return this.streams.map((s) => s.request);
  }
}

/** Event builders for tests. */
export const ev = {
  end: (index: bigint): EventInit => ({
    Index: index,
    Payload: { case: "EndOfSnapshot", value: true },
  }),
  newSnapshot: (): EventInit => ({
    Index: 0n,
    Payload: { case: "NewSnapshotToFollow", value: true },
  }),
  batch: (index: bigint, events: EventInit[]): EventInit => ({
    Index: index,
    Payload: { case: "EventBatch", value: { Events: events } },
  }),
  register: (index: bigint, node: string, id: string, extra: HealthExtra = {}): EventInit =>
    health(index, CatalogOp.Register, node, id, extra),
  deregister: (index: bigint, node: string, id: string, extra: HealthExtra = {}): EventInit =>
    health(index, CatalogOp.Deregister, node, id, extra),
};

export interface HealthExtra {
  readonly service?: string;
  readonly tags?: string[];
  readonly kind?: string;
  readonly nodeMeta?: Record<string, string>;
  readonly peer?: string;
  readonly status?: string;
}

function health(
  index: bigint,
  op: CatalogOp,
  node: string,
  id: string,
  extra: HealthExtra,
): EventInit {
  return {
    Index: index,
    Payload: {
      case: "ServiceHealth",
      value: {
        Op: op,
        CheckServiceNode: {
          Node: { Node: node, Meta: extra.nodeMeta ?? {}, PeerName: extra.peer ?? "" },
          Service: {
            ID: id,
            Service: extra.service ?? "web",
            Tags: extra.tags ?? [],
            Kind: extra.kind ?? "",
            PeerName: extra.peer ?? "",
          },
          Checks: [{ Status: extra.status ?? "passing" }],
        },
      },
    },
  };
}
