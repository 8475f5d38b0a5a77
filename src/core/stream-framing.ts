import type { Event } from "../gen/index.js";
import { ProtocolError } from "./errors.js";

/** What the framing state machine does with the events it has checked. */
export interface FramingTarget {
  /** One update at `index`: a whole snapshot, or one live wire event (a batch flattened). */
  apply(events: readonly Event[], index: bigint): void;
  /** A stale resume: throw the view away, a full snapshot follows. */
  reset(): void;
}

/**
 * The event state machine of SPEC M3, for one stream. A stream started at index 0 expects a
 * snapshot; one started at N > 0 looks at its first event only: `NewSnapshotToFollow` resets
 * and expects a snapshot, anything else is live. Snapshot events are buffered and applied in
 * one update at `EndOfSnapshot`; each live wire event is one update. Framing in the wrong place
 * or an unknown payload throws a {@link ProtocolError} (M5).
 */
export async function consumeFramed(
  stream: AsyncIterable<Event>,
  fromIndex: bigint,
  target: FramingTarget,
): Promise<void> {
  let expectSnapshot = fromIndex === 0n;
  let first = true;
  let snapshot: Event[] = [];
  for await (const event of stream) {
    const payload = event.Payload;
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
        target.apply(snapshot, event.Index);
        snapshot = [];
        expectSnapshot = false;
        break;
      case "NewSnapshotToFollow":
        throw new ProtocolError("unexpected NewSnapshotToFollow after the first event of a stream");
      case undefined:
        throw new ProtocolError(`event at index ${event.Index} has an unknown payload`);
      case "EventBatch":
        if (expectSnapshot) snapshot.push(...payload.value.Events);
        else target.apply(payload.value.Events, event.Index);
        break;
      default:
        // Each update gets its own array (V1): a view may keep it, as Go views may keep a slice.
        if (expectSnapshot) snapshot.push(event);
        else target.apply([event], event.Index);
    }
  }
}
