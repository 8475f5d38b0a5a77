/**
 * A `StreamClient` around a real Connect client for fault soaks: it counts what the wire
 * brought (snapshots, NewSnapshotToFollow, batches, error codes), tells the test when a stream
 * is in the middle of a snapshot (to drop the connection there), and can hold events back
 * while paused (a slow consumer: the stream's TCP window fills, the server must not block).
 */
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import type { StreamClient } from "react-submatview/core";
import { type Event, StateChangeSubscription, type SubscribeRequest } from "react-submatview/gen";

export type Counts = Record<string, number>;

export const bump = (counts: Counts, kind: string, by = 1): void => {
  counts[kind] = (counts[kind] ?? 0) + by;
};

export interface ObservedClient extends StreamClient {
  /** Holds every event back until `resume()` (a slow consumer). */
  pause(): void;
  resume(): void;
  readonly paused: boolean;
  /** Called with each snapshot event (not EndOfSnapshot) before the consumer gets it. */
  onSnapshotEvent?: () => void;
}

export function observedClient(transport: Transport, counts: Counts, name = ""): ObservedClient {
  const inner = createClient(StateChangeSubscription, transport);
  let gate: { promise: Promise<void>; open: () => void } | undefined;
  const client: ObservedClient = {
    get paused() {
      return gate !== undefined;
    },
    pause() {
      if (gate) return;
      let open = () => {};
      const promise = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = { promise, open };
    },
    resume() {
      gate?.open();
      gate = undefined;
    },
    subscribe(request: SubscribeRequest, options: { signal: AbortSignal }) {
      return observe(inner.subscribe(request, options), request, options.signal);
    },
  };

  /** Waits while paused; an abort (the consumer went away) ends the wait too. */
  async function untilOpen(signal: AbortSignal): Promise<void> {
    while (gate && !signal.aborted) {
      let stop = () => {};
      const abort = new Promise<void>((resolve) => {
        stop = () => signal.removeEventListener("abort", onAbort);
        const onAbort = () => resolve();
        signal.addEventListener("abort", onAbort, { once: true });
      });
      await Promise.race([gate.promise, abort]);
      stop();
    }
  }

  async function* observe(
    events: AsyncIterable<Event>,
    request: SubscribeRequest,
    signal: AbortSignal,
  ): AsyncGenerator<Event> {
    bump(counts, request.Index === 0n ? "subscribe:fresh" : "subscribe:resume");
    const trace = process.env.SOAK_TRACE
      ? (what: string) =>
          process.stderr.write(
            `${Date.now() % 100000} client ${name} ${request.Token}/${request.Subject.case === "NamedSubject" ? request.Subject.value.Key : "*"}@${request.Index} ${what}\n`,
          )
      : undefined;
    trace?.("open");
    let inSnapshot = request.Index === 0n;
    try {
      for await (const event of events) {
        const kind = event.Payload.case ?? "unknown";
        bump(counts, `event:${kind}`);
        trace?.(`event ${kind}@${event.Index}`);
        if (kind === "NewSnapshotToFollow") inSnapshot = true;
        else if (kind === "EndOfSnapshot") inSnapshot = false;
        else if (inSnapshot) client.onSnapshotEvent?.();
        if (gate) await untilOpen(signal);
        yield event;
      }
    } catch (error) {
      const code = error instanceof ConnectError ? Code[error.code] : "other";
      bump(counts, `error:${code}`);
      trace?.(`error ${code} ${error instanceof Error ? error.message : ""}`);
      throw error;
    }
  }
  return client;
}
