import type { Event, SubscribeRequest } from "../gen/index.js";
import { type HandshakeDeadline, SUBSCRIBED_HEADER } from "./accepted-stream.js";
import { HandshakeTimeoutError, ProtocolError } from "./errors.js";
import type { StreamCallOptions, StreamClient } from "./types.js";

/** What the framing state machine does with the events it has checked. */
export interface FramingTarget {
  /** One update at `index`: a whole snapshot, or one live wire event (a batch flattened). */
  apply(events: readonly Event[], index: bigint): void;
  /** A stale resume: throw the view away, a full snapshot follows. */
  reset(): void;
  /** Each payload event as it arrives (batch members one by one), before it is buffered or applied. */
  prepare?(event: Event): void;
  /**
   * A resumed stream (index > 0) was accepted: the server flushed its headers with
   * `SUBSCRIBED_HEADER` before any event (P5: a resume has no framing event).
   */
  resumed?(): void;
}

/**
 * Opens one `Subscribe` stream and feeds it through {@link consumeFramed} to its end. The call
 * gets its own AbortController, aborted when the stream ends or `signal` aborts: connect 2.1.2
 * cancels a server stream only through its signal (a `break` would leave it open). With a
 * `deadline` (M2, M6), every stream reports its headers; once one carried the marker, a stream
 * with no headers, event or error in time is aborted and rejects with a `HandshakeTimeoutError`.
 */
export async function consumeStream(
  client: StreamClient,
  request: SubscribeRequest,
  signal: AbortSignal,
  target: FramingTarget,
  deadline?: HandshakeDeadline,
): Promise<void> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const resumed = request.Index > 0n && target.resumed !== undefined;
  const options: StreamCallOptions =
    resumed || deadline
      ? {
          signal: controller.signal,
          onHeader: (header) => acceptedHeader(header, resumed, target, deadline),
        }
      : { signal: controller.signal };
  deadline?.arm(controller);
  try {
    await consumeFramed(client.subscribe(request, options), request.Index, target, deadline);
  } catch (error) {
    // Aborted by the deadline, not by `signal`: a retryable failure of its own (M6).
    const reason: unknown = controller.signal.reason;
    if (!signal.aborted && reason instanceof HandshakeTimeoutError) throw reason;
    throw error;
  } finally {
    deadline?.settle();
    signal.removeEventListener("abort", onAbort);
    controller.abort();
  }
}

/** Headers without the marker (Consul's, or an error's) change nothing: the first event decides. */
function acceptedHeader(
  header: Headers,
  resumed: boolean,
  target: FramingTarget,
  deadline: HandshakeDeadline | undefined,
): void {
  deadline?.settle();
  if (!header.has(SUBSCRIBED_HEADER)) return;
  deadline?.marked();
  if (resumed) target.resumed?.();
}

/**
 * The event state machine of SPEC M3, for one stream. A stream started at index 0 expects a
 * snapshot; one started at N > 0 looks at its first event only: `NewSnapshotToFollow` resets
 * and expects a snapshot, anything else is live. Snapshot events are buffered and applied in
 * one update at `EndOfSnapshot`; each live wire event is one update. Framing in the wrong place,
 * an unknown payload, a snapshot at index 0, a live event at or below the index already applied,
 * or a live batch whose members do not all carry its index (P5) throws a {@link ProtocolError}
 * (M5) before anything of it is applied.
 */
export async function consumeFramed(
  stream: AsyncIterable<Event>,
  fromIndex: bigint,
  target: FramingTarget,
  deadline?: HandshakeDeadline,
): Promise<void> {
  let expectSnapshot = fromIndex === 0n;
  let first = true;
  let snapshot: Event[] = [];
  /** The index of the last update applied from this stream (or resumed from). */
  let applied = fromIndex;
  for await (const event of stream) {
    const payload = event.Payload;
    if (first) deadline?.settle();
    if (first && !expectSnapshot && payload.case === "NewSnapshotToFollow") {
      first = false;
      target.reset();
      expectSnapshot = true;
      continue;
    }
    first = false;
    switch (payload.case) {
      case "EndOfSnapshot":
        if (!expectSnapshot) {
          throw new ProtocolError(
            `unexpected EndOfSnapshot at index ${event.Index} on a live stream`,
          );
        }
        if (event.Index === 0n) throw new ProtocolError("EndOfSnapshot at index 0");
        target.apply(snapshot, event.Index);
        applied = event.Index;
        snapshot = [];
        expectSnapshot = false;
        break;
      case "NewSnapshotToFollow":
        throw new ProtocolError("unexpected NewSnapshotToFollow after the first event of a stream");
      case undefined:
        throw new ProtocolError(`event at index ${event.Index} has an unknown payload`);
      case "EventBatch":
        if (target.prepare) for (const member of payload.value.Events) target.prepare(member);
        if (expectSnapshot) snapshot.push(...payload.value.Events);
        else {
          checkLive(event, applied);
          for (const member of payload.value.Events) {
            if (member.Index !== event.Index)
              throw new ProtocolError(
                `batch at index ${event.Index} holds an event at index ${member.Index}`,
              );
          }
          target.apply(payload.value.Events, event.Index);
          applied = event.Index;
        }
        break;
      default:
        target.prepare?.(event);
        // Each update gets its own array (V1): a view may keep it, as Go views may keep a slice.
        if (expectSnapshot) snapshot.push(event);
        else {
          checkLive(event, applied);
          target.apply([event], event.Index);
          applied = event.Index;
        }
    }
  }
}

/** A live event must move the index forward (P5): one at or below it would be applied twice. */
function checkLive(event: Event, applied: bigint): void {
  if (event.Index <= applied)
    throw new ProtocolError(
      `live event at index ${event.Index} does not follow the applied index ${applied}`,
    );
}
