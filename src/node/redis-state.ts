/**
 * The in-memory copy of a Redis log's state inside one server process: rows per (topic,
 * subject), loaded from the state hash at a known index and moved forward entry by entry. The
 * source's snapshot functions read it (SPEC S5).
 */
import type { SubscribeRequest, Topic } from "../gen/index.js";
import { requestSubject, WILDCARD } from "../server/subjects.js";
import type { EventPayload, SnapshotEvent } from "../server/types.js";
import { type DecodedEntry, decodeRow, parseStateField } from "./redis-codec.js";
import { text } from "./redis-scripts.js";

/** Rows per snapshot batch. */
const SNAPSHOT_BATCH = 256;

/** Rows of one subject, by state field. */
type Rows = Map<string, EventPayload>;

export class RedisState {
  /** Subjects per topic. */
  readonly #topics = new Map<Topic, Map<string, Rows>>();
  /** Where each field lives, so an entry's delete finds its subject in O(1). */
  readonly #rowsOf = new Map<string, Rows>();
  /** The index the rows reflect: every transaction up to it, none after. */
  index = 0n;

  /** Builds the state from HGETALL's flat `[field, value, …]` reply at `index`. */
  static load(index: bigint, flat: readonly unknown[]): RedisState {
    const state = new RedisState();
    state.index = index;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const field = text(flat[i]);
      const value = flat[i + 1];
      if (!Buffer.isBuffer(value)) throw new Error("redis: a state row is not a binary value");
      const { topic, subject } = parseStateField(field);
      state.#set(topic, subject, field, decodeRow(value));
    }
    return state;
  }

  /** Applies one entry's rows (in order: a later write to a row wins, as in the script). */
  apply(entry: DecodedEntry): void {
    for (let i = 0; i < entry.events.length; i++) {
      const event = entry.events[i]!;
      const row = entry.rows[i]!;
      if (!row.delete) {
        this.#set(event.topic, event.subject, row.field, event.payload);
        continue;
      }
      const rows = this.#rowsOf.get(row.field);
      if (!rows) continue;
      rows.delete(row.field);
      this.#rowsOf.delete(row.field);
      if (rows.size === 0) this.#topics.get(event.topic)?.delete(event.subject);
    }
    this.index = entry.index;
  }

  /**
   * The snapshot function of `topic` (S1, S5): the rows of the request's subject (every
   * subject for a wildcard request), each one event at the state's index, which is returned
   * (never 0: an empty state reports 1, P5).
   */
  snapshot(
    topic: Topic,
    request: SubscribeRequest,
    append: (events: readonly SnapshotEvent[]) => void,
  ): bigint {
    const index = this.index > 0n ? this.index : 1n;
    const subject = requestSubject(request);
    const subjects = this.#topics.get(topic);
    if (!subjects || subject === undefined) return index;
    // Rows go out in batches (one wire EventBatch each): a snapshot is a few frames, not one per row.
    let group: SnapshotEvent[] = [];
    const emit = (rows: Rows) => {
      for (const payload of rows.values()) {
        group.push({ index, payload });
        if (group.length === SNAPSHOT_BATCH) {
          append(group);
          group = [];
        }
      }
    };
    if (subject === WILDCARD) for (const rows of subjects.values()) emit(rows);
    else {
      const rows = subjects.get(subject);
      if (rows) emit(rows);
    }
    if (group.length > 0) append(group);
    return index;
  }

  /** How many rows the state holds (for tests and stats). */
  get size(): number {
    return this.#rowsOf.size;
  }

  #set(topic: Topic, subject: string, field: string, payload: EventPayload): void {
    let subjects = this.#topics.get(topic);
    if (!subjects) {
      subjects = new Map();
      this.#topics.set(topic, subjects);
    }
    let rows = subjects.get(subject);
    if (!rows) {
      rows = new Map();
      subjects.set(subject, rows);
    }
    rows.set(field, payload);
    this.#rowsOf.set(field, rows);
  }
}
