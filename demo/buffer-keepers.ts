/**
 * BufferKeepers: in-process readers that hold the demo's topic buffers, as the other agents of
 * a datacenter do. A publisher keeps a (topic, subject) buffer only while someone subscribes
 * (SPEC S4), so with the page as the only reader a dropped connection would always cost a
 * resnapshot; with these, a client that reconnects resumes where it was (S6).
 */
import { setMaxListeners } from "node:events";
import { create } from "@bufbuild/protobuf";
import { SubscribeRequestSchema, Topic } from "../src/gen/index.js";
import type { EventPublisher } from "../src/server/index.js";

export class BufferKeepers {
  readonly #controller = new AbortController();

  constructor(publisher: EventPublisher, services: readonly string[]) {
    // One signal for every keeper's reads: not a leak, one listener per subject.
    setMaxListeners(0, this.#controller.signal);
    void this.#keep(publisher, { Topic: Topic.ServiceList, Subject: wildcard });
    for (const service of services) {
      void this.#keep(publisher, {
        Topic: Topic.ServiceHealth,
        Subject: { case: "NamedSubject", value: { Key: service } },
      });
    }
  }

  /** Every keeper lets go of its buffer now. */
  stop(): void {
    this.#controller.abort();
  }

  /** Reads and discards one subject's events; resubscribes when the stream ends (a reset). */
  async #keep(
    publisher: EventPublisher,
    init: Parameters<typeof create<typeof SubscribeRequestSchema>>[1],
  ): Promise<void> {
    const { signal } = this.#controller;
    const request = create(SubscribeRequestSchema, init);
    while (!signal.aborted) {
      let subscription: ReturnType<EventPublisher["subscribe"]>;
      try {
        subscription = publisher.subscribe(request);
      } catch {
        return; // shutting down
      }
      try {
        for (;;) await subscription.next(signal);
      } catch {
        // Closed (Aborted by a reset, or stopped): subscribe again unless stopped.
      } finally {
        subscription.unsubscribe();
      }
      // A reset closes every stream at once: come back in a later task, after the clients.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const wildcard = { case: "WildcardSubject", value: true } as const;
