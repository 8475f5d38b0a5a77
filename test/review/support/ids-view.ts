/**
 * Shared fixtures of the journal reviews (SPEC M3-M5, V4): a non-atomic test view of instance
 * ids (with and without `snapshotEvents`), a poisoned batch, a history generator, and a
 * starter that stops the running materializer after each test.
 */
import { create } from "@bufbuild/protobuf";
import type { Materializer, MaterializerState, View } from "react-submatview/core";
import { CatalogOp, type Event, EventSchema } from "react-submatview/gen";
import { afterEach } from "vitest";
import { ev, type PushableStream } from "../../support/pushable-client.js";
import { startView, viewMaterializer } from "../../support/view-harness.js";

export interface Ids {
  readonly ids: readonly string[];
  readonly index: bigint;
}

/** Not all-or-nothing: applies event by event, throws on a foreign payload part-way through. */
export class PlainView implements View<Ids> {
  readonly ids = new Set<string>();
  /** Events handed to `update` (replays included). */
  eventsSeen = 0;
  update(batch: readonly Event[]): void {
    for (const event of batch) {
      this.eventsSeen++;
      if (event.Payload.case !== "ServiceHealth") throw new Error("plain view: bad payload");
      const id = event.Payload.value.CheckServiceNode?.Service?.ID ?? "";
      if (event.Payload.value.Op === CatalogOp.Deregister) this.ids.delete(id);
      else this.ids.add(id);
    }
  }
  result(index: bigint): Ids {
    return { ids: [...this.ids].sort(), index };
  }
  reset(): void {
    this.ids.clear();
  }
}

/** The same view with `snapshotEvents` (the journal folds into it). */
export class DumpingView extends PlainView {
  dumps = 0;
  snapshotEvents(): Event[] {
    this.dumps++;
    return [...this.ids].map((id) => create(EventSchema, ev.register(0n, `node-${id}`, id)));
  }
}

/** An event a health view rejects: a service-list payload. */
export const foreign = (index: bigint) =>
  ({
    Index: index,
    Payload: { case: "Service", value: { Op: CatalogOp.Register, Name: "x" } },
  }) as const;

/** A batch that registers one instance, deregisters another, then carries a foreign payload. */
export const poison = (index: bigint, gone = "web-0") =>
  ev.batch(index, [
    ev.register(index, "n-new", "new"),
    ev.deregister(index, `node-${gone}`, gone),
    foreign(index),
  ]);

/** Pushes `poison(index, gone)` on `stream`; resolves with the state the materializer publishes. */
export function pushPoison(
  h: { changed(): Promise<MaterializerState<Ids>> },
  stream: PushableStream,
  index: bigint,
  gone?: string,
): Promise<MaterializerState<Ids>> {
  const failed = h.changed();
  stream.push(poison(index, gone));
  return failed;
}

/** Pushes a snapshot of `size` instances at index 1 and `live` single events after it. */
export async function grow(stream: PushableStream, size: number, live: number, first = 1n) {
  for (let i = 0; i < size; i++) stream.push(ev.register(first, `node-web-${i}`, `web-${i}`));
  stream.push(ev.end(first));
  for (let i = 0; i < live; i++) {
    const id = `web-${(i * 7) % Math.max(size, 1)}`;
    const index = first + BigInt(i + 1);
    stream.push(
      i % 3 === 2 ? ev.deregister(index, `node-${id}`, id) : ev.register(index, `node-${id}`, id),
    );
  }
  await stream.drained();
  return first + BigInt(live);
}

/** A materializer over a pushable client for `view`, not yet running (so it can be seeded). */
export function idsMaterializer(view: View<Ids>) {
  const { materializer, client } = viewMaterializer(view);
  return { materializer, client };
}

/**
 * Registers an afterEach that runs `slot.stop` (whatever a test put there); `start` runs a view
 * through startView and `run` a materializer, each leaving its stop in the slot.
 */
export function stoppedAfterEach() {
  const slot: { stop: (() => Promise<void>) | undefined } = { stop: undefined };
  afterEach(async () => {
    await slot.stop?.();
    slot.stop = undefined;
  });
  const start = <TView extends View<Ids>>(view: TView) => {
    const h = startView(view);
    slot.stop = h.stop;
    return h;
  };
  const run = (materializer: Materializer<Ids>) => {
    const controller = new AbortController();
    const done = materializer.run(controller.signal);
    slot.stop = () => {
      controller.abort();
      return done;
    };
  };
  return { slot, start, run };
}
