/**
 * Where a new subscription starts reading (SPEC S5, S6): right after the subject buffer's
 * newest item for an exact resume, or at a snapshot, behind `NewSnapshotToFollow` for a
 * resume the buffer cannot continue.
 */
import { create } from "@bufbuild/protobuf";
import { EventSchema, type SubscribeRequest } from "../gen/index.js";
import { BufferItem } from "./event-buffer.js";

/**
 * The head a subscription for `request` follows, given the subject buffer's newest item
 * `tail`. `snapshot` returns the start of the subject's snapshot (cached or built); it is
 * called only when the stream needs one.
 */
export function streamStart(
  request: SubscribeRequest,
  tail: BufferItem,
  snapshot: () => BufferItem,
): BufferItem {
  if (request.Index > 0n && tail.index === request.Index) {
    // Resume (S6): the client holds the state at the buffer's newest item; follow it.
    const head = new BufferItem([]);
    head.link = tail.link;
    return head;
  }
  const start = snapshot();
  if (request.Index === 0n) return start;
  // Stale resume: the framing event is prepended per stream and never cached (S5).
  const head = new BufferItem([]);
  const reset = new BufferItem([
    create(EventSchema, { Index: 0n, Payload: { case: "NewSnapshotToFollow", value: true } }),
  ]);
  head.link.set(reset);
  reset.link = start.link;
  return head;
}
