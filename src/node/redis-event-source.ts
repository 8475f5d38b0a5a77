/**
 * RedisEventSource: feeds one process's `EventPublisher` from a Redis Streams log, so several
 * server processes publish the same events at the same indexes (issue 11 item 4).
 */
import type { Logger } from "../core/types.js";
import { Topic } from "../gen/index.js";
import type { EventPublisher } from "../server/event-publisher.js";
import type { TopicOptions } from "../server/types.js";
import { decodeEntry } from "./redis-codec.js";
import type { RedisLogOptions } from "./redis-event-writer.js";
import {
  LOAD_SCRIPT,
  parseIndex,
  type RedisConnection,
  type RedisLogKeys,
  redisLogKeys,
  runScript,
  text,
} from "./redis-scripts.js";
import { RedisState } from "./redis-state.js";

/** A topic the source serves, registered on the publisher with these options. */
export interface RedisTopic extends TopicOptions {
  readonly topic: Topic;
}

export interface RedisEventSourceOptions extends RedisLogOptions {
  /** The publisher to feed; the source registers `topics` on it. */
  readonly publisher: EventPublisher;
  /** Default: ServiceHealth, ServiceHealthConnect and ServiceList (wildcard), as `HealthCatalog`. */
  readonly topics?: readonly RedisTopic[];
  /** Entries read per XREAD (default 512). */
  readonly batchSize?: number;
  /** How long one XREAD blocks before it is issued again (default 10 s). */
  readonly blockMs?: number;
  /** The wait before an XREAD that failed (Redis unreachable) is retried (default 1 s). */
  readonly retryDelayMs?: number;
  readonly logger?: Logger;
}

const defaultTopics: readonly RedisTopic[] = [
  { topic: Topic.ServiceHealth },
  { topic: Topic.ServiceHealthConnect },
  { topic: Topic.ServiceList, wildcard: true },
];

/**
 * Keeps a process's {@link EventPublisher} in step with a Redis Streams log written by
 * {@link RedisEventWriter}s.
 *
 * `start` loads the state hash, the counter and the last entry id in one atomic script (the
 * state reflects exactly the entries up to that id), registers the topics with snapshot
 * functions over that in-memory state, and tails the stream from that id with XREAD BLOCK on a
 * connection of its own. Each entry is applied to the state and published at its index, in
 * order, in one synchronous step, so a snapshot is always the state at one index (SPEC S5).
 *
 * Indexes are the log's counter, so every process publishes each transaction at the same index
 * and a client may resume on any of them (S6, L2). An entry whose index skips ahead (the
 * process fell behind the stream's trimming) makes the source reload the state and end every
 * stream of its topics with `Aborted` (clients resubscribe from a snapshot, M6); an index that
 * goes back (the log was reset) stops the source: `done` rejects and the process must restart.
 */
export class RedisEventSource {
  readonly #redis: RedisConnection;
  readonly #tail: RedisConnection;
  readonly #keys: RedisLogKeys;
  readonly #publisher: EventPublisher;
  readonly #topics: readonly RedisTopic[];
  readonly #options: RedisEventSourceOptions;
  #state: RedisState;
  #lastId: string;
  #stopped = false;
  #waiters: Array<{ index: bigint; resolve: () => void; reject: (error: unknown) => void }> = [];
  #cancelDelay: (() => void) | undefined;
  /** Settles when the tail loop ends: resolves after `stop()`, rejects when the log went back. */
  readonly done: Promise<void>;

  private constructor(options: RedisEventSourceOptions, loaded: Loaded) {
    this.#options = options;
    this.#redis = options.redis;
    this.#keys = redisLogKeys(options.prefix ?? "submatview");
    this.#publisher = options.publisher;
    this.#topics = options.topics ?? defaultTopics;
    this.#state = loaded.state;
    this.#lastId = loaded.lastId;
    for (const { topic, ...topicOptions } of this.#topics) {
      this.#publisher.registerTopic(
        topic,
        (request, append) => this.#state.snapshot(topic, request, append),
        topicOptions,
      );
    }
    this.#tail = this.#redis.duplicate();
    // The tail connection is ours: its drops are logged here (XREAD is retried), never unhandled.
    this.#tail.on("error", (error) =>
      this.#options.logger?.debug?.("redis event source: tail connection error", {
        error: String(error),
      }),
    );
    this.done = this.#run();
    // `done` is for callers that watch it; an unwatched failure is logged, never unhandled.
    this.done.catch(() => {});
  }

  /** Loads the log's state and starts tailing it into `options.publisher`. */
  static async start(options: RedisEventSourceOptions): Promise<RedisEventSource> {
    const keys = redisLogKeys(options.prefix ?? "submatview");
    return new RedisEventSource(options, await load(options.redis, keys));
  }

  /** The index of the last transaction this process published (its state's index). */
  get index(): bigint {
    return this.#state.index;
  }

  /** Resolves once this process has published `index` (read-your-writes after an append). */
  reached(index: bigint): Promise<void> {
    if (this.#state.index >= index) return Promise.resolve();
    if (this.#stopped) return Promise.reject(new Error("RedisEventSource: stopped"));
    return new Promise((resolve, reject) => this.#waiters.push({ index, resolve, reject }));
  }

  /** Stops tailing and closes the tail connection; the publisher and `redis` stay the caller's. */
  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#cancelDelay?.();
      this.#tail.disconnect();
    }
    await this.done.catch(() => {});
  }

  async #run(): Promise<void> {
    const count = this.#options.batchSize ?? 512;
    const blockMs = this.#options.blockMs ?? 10_000;
    try {
      while (!this.#stopped) {
        let reply: unknown;
        try {
          reply = await this.#deadline(
            this.#tail.callBuffer(
              "XREAD",
              "COUNT",
              count,
              "BLOCK",
              blockMs,
              "STREAMS",
              this.#keys.stream,
              this.#lastId,
            ),
            2 * blockMs + 1000,
          );
        } catch (error) {
          if (this.#stopped) break;
          this.#options.logger?.warn?.("redis event source: XREAD failed; retrying", {
            error: String(error),
          });
          await this.#delay(this.#options.retryDelayMs ?? 1000);
          continue;
        }
        if (reply !== null && !this.#stopped) await this.#applyAll(reply);
      }
    } catch (error) {
      this.#stopped = true;
      this.#tail.disconnect();
      this.#options.logger?.error?.("redis event source stopped", { error: String(error) });
      this.#settleWaiters(error);
      throw error;
    }
    this.#settleWaiters(new Error("RedisEventSource: stopped"));
  }

  /** Applies an XREAD reply's entries in order; reloads on a gap (see the class comment). */
  async #applyAll(reply: unknown): Promise<void> {
    for (const [id, fields] of streamEntries(reply, this.#keys.stream)) {
      const entry = decodeEntry(fields);
      const expected = this.#state.index + 1n;
      if (entry.index < expected) {
        throw new Error(
          `redis event source: entry ${id} has index ${entry.index}, not above ${this.#state.index}: the log went back; restart the process`,
        );
      }
      if (entry.index > expected) {
        await this.#reload(entry.index);
        return;
      }
      this.#state.apply(entry);
      this.#lastId = id;
      this.#publisher.publish(entry.events);
      if (this.#waiters.length > 0) this.#wake();
    }
  }

  /** Missed entries: take the state as it is now and reset every stream of our topics. */
  async #reload(seen: bigint): Promise<void> {
    this.#options.logger?.warn?.("redis event source: entries were missed; reloading the state", {
      from: String(this.#state.index),
      seen: String(seen),
    });
    const loaded = await load(this.#redis, this.#keys);
    if (this.#stopped) return;
    if (loaded.state.index < seen) throw new Error("redis event source: the log went back");
    this.#state = loaded.state;
    this.#lastId = loaded.lastId;
    for (const { topic } of this.#topics) this.#publisher.refreshTopic(topic);
    this.#wake();
  }

  #wake(): void {
    const index = this.#state.index;
    const due = this.#waiters.filter((w) => w.index <= index);
    if (due.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.index > index);
    for (const waiter of due) waiter.resolve();
  }

  #settleWaiters(error: unknown): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  /**
   * An XREAD that outlives its BLOCK by far was lost (a half-open connection, or a client that
   * drops unanswered commands on reconnect, as ioredis does with
   * `autoResendUnfulfilledCommands: false`): fail it, so the loop reads again from its last id.
   * A late reply is ignored; the next read starts from the same id, so nothing is skipped.
   */
  #deadline<T>(command: Promise<T>, ms: number): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`XREAD unanswered after ${ms} ms`)), ms);
    });
    command.catch(() => {});
    return Promise.race([command, expired]).finally(() => clearTimeout(timer));
  }

  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#cancelDelay = done;
    });
  }
}

interface Loaded {
  readonly state: RedisState;
  readonly lastId: string;
}

/** Runs the load script and checks that the counter and the last entry agree. */
async function load(redis: RedisConnection, keys: RedisLogKeys): Promise<Loaded> {
  const reply = await runScript(redis, LOAD_SCRIPT, keys, []);
  if (!Array.isArray(reply) || reply.length !== 4 || !Array.isArray(reply[3])) {
    throw new Error("redis event source: unexpected reply from the load script");
  }
  // An absent counter is a log at 1: its first transaction is 2, and an empty snapshot reports 1 (P5).
  const counter = parseIndex(text(reply[0]));
  const index = counter > 0n ? counter : 1n;
  const lastId = text(reply[1]);
  const entryIndex = text(reply[2]);
  if (entryIndex !== "" && parseIndex(entryIndex) !== counter) {
    throw new Error(
      `redis event source: the counter (${counter}) and the last entry (${entryIndex}) disagree: was the log written without RedisEventWriter?`,
    );
  }
  return { state: RedisState.load(index, reply[3]), lastId };
}

/**
 * The `[id, fields]` pairs of `stream` in an XREAD reply: RESP2's `[[key, entries], …]`, or the
 * flat `[key, entries, …]` ioredis 6 makes of it (its RESP3-compatible shape).
 */
function streamEntries(reply: unknown, stream: string): Array<[string, unknown[]]> {
  if (!Array.isArray(reply)) throw new Error("redis event source: unexpected XREAD reply");
  const flat: unknown[] = Array.isArray(reply[0]) ? reply.flat(1) : reply;
  let entries: unknown;
  for (let i = 0; i + 1 < flat.length; i += 2) if (text(flat[i]) === stream) entries = flat[i + 1];
  if (!Array.isArray(entries)) throw new Error("redis event source: unexpected XREAD reply");
  return entries.map((item: unknown) => {
    if (!Array.isArray(item) || !Array.isArray(item[1])) {
      throw new Error("redis event source: a malformed stream entry");
    }
    return [text(item[0]), item[1] as unknown[]];
  });
}
