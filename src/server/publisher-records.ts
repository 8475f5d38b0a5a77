/**
 * The event publisher's internal records: topic registrations, buffers held by subscriptions,
 * and small helpers (SPEC S1-S7).
 */
import type { Event, Topic } from "../gen/index.js";
import type { EventBuffer } from "./event-buffer.js";
import type { SnapshotFunc, Timers } from "./types.js";

export interface TopicRegistration {
  readonly snapshot: SnapshotFunc;
  readonly wildcard: boolean;
  readonly named: boolean;
  /** Bumped by `refreshTopic`/`shutdown`: a snapshot begun before is never cached (S7). */
  generation: number;
}

export interface TopicBuffer {
  readonly buffer: EventBuffer;
  refs: number;
}

export const defaultTimers: Timers = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    // A cache timer must never keep a Node process alive.
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export const bufferKey = (topic: Topic, subject: string) => `${topic}\u0000${subject}`;

export function addTo(
  groups: Map<TopicBuffer, Event[]>,
  target: TopicBuffer,
  message: Event,
): void {
  const group = groups.get(target);
  if (group) group.push(message);
  else groups.set(target, [message]);
}
