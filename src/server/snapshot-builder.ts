import { create } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { EventSchema, type SubscribeRequest } from "../gen/index.js";
import { BufferItem, EventBuffer } from "./event-buffer.js";
import type { SnapshotEvent, SnapshotFunc } from "./types.js";
import { invalidIndex } from "./validation.js";

/**
 * Runs a snapshot function into a fresh buffer, ends it with `EndOfSnapshot` and splices that
 * onto the live topic buffer after `topicHead` (Consul's `eventSnapshot.appendAndSplice`,
 * SPEC S5). Returns the snapshot's start at once: readers follow items as they are appended.
 * `onComplete` runs once the snapshot is complete (never after an error), with the index it
 * reports: for caching, and so that no later publish goes at or below it (P5).
 */
export function buildSnapshot(
  request: SubscribeRequest,
  snapshotFn: SnapshotFunc,
  topicHead: BufferItem,
  onComplete: (head: BufferItem, index: bigint) => void,
): BufferItem {
  const snapshot = new EventBuffer();
  // The snapshot's start: readers (and the cache) begin after this empty item.
  const head = snapshot.tail;
  let ended = false;
  const append = (events: readonly SnapshotEvent[]) => {
    // Once ended, the snapshot's last item links into the live topic buffer: an append then
    // would inject a stale event into every live stream and break the buffer (S5, S3).
    if (ended) throw new Error("snapshot append after the snapshot function returned its index");
    if (events.length === 0) return;
    snapshot.append(events.map((e) => create(EventSchema, { Index: e.index, Payload: e.payload })));
  };
  const finish = (returned: bigint) => {
    ended = true;
    // An empty state store reports index 1, never 0 (P5).
    const index = returned === 0n ? 1n : returned;
    const invalid = invalidIndex(index);
    if (invalid) {
      // No stream could encode it, and it must not become the publisher's floor (P4).
      fail(new Error(`snapshot function returned ${invalid}; return the store's raft index`));
      return;
    }
    const end = new BufferItem([
      create(EventSchema, { Index: index, Payload: { case: "EndOfSnapshot", value: true } }),
    ]);
    splice(end, topicHead, index);
    snapshot.appendItem(end);
    onComplete(head, index);
  };
  const fail = (error: unknown) => {
    ended = true;
    snapshot.appendItem(new BufferItem([], ConnectError.from(error)));
  };
  try {
    const returned = snapshotFn(request, append);
    if (typeof returned === "bigint") finish(returned);
    else returned.then(finish, fail);
  } catch (error) {
    fail(error);
  }
  return head;
}

/**
 * Links `end` (the snapshot's EndOfSnapshot item) to the first live item after `topicHead`
 * whose index is above the snapshot's, or to the future successor of the buffer's newest item
 * (Consul's `spliceFromTopicBuffer`). Items at or below the snapshot index are already in it.
 */
function splice(end: BufferItem, topicHead: BufferItem, index: bigint): void {
  let item = topicHead;
  for (;;) {
    const next = item.link.item;
    if (!next) {
      end.link = item.link;
      return;
    }
    if (next.error || next.index > index) {
      end.link.set(next);
      return;
    }
    item = next;
  }
}
