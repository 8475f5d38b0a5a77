/** RedisEventWriter: appends transactions to a Redis Streams event log, one atomic script each. */
import { encodeTransaction, type RedisWrite } from "./redis-codec.js";
import {
  APPEND_SCRIPT,
  parseIndex,
  type RedisConnection,
  type RedisLogKeys,
  redisLogKeys,
  runScript,
  text,
} from "./redis-scripts.js";

export interface RedisLogOptions {
  /** The app's Redis client (ioredis's `Redis`). */
  readonly redis: RedisConnection;
  /** Names the log: its keys are `{prefix}:index`, `{prefix}:log`, `{prefix}:state`. Default "submatview". */
  readonly prefix?: string;
}

export interface RedisEventWriterOptions extends RedisLogOptions {
  /**
   * The stream keeps about this many entries (`XADD MAXLEN ~`); 0 keeps every one. A server
   * process more than this far behind reloads the state and resets its streams (`Aborted`).
   * Default 10,000.
   */
  readonly maxLength?: number;
}

/** Where an appended transaction landed. */
export interface Appended {
  /** Its index: every event of the transaction carries it (SPEC S3). */
  readonly index: bigint;
  /** Its stream entry id (`ms-seq`). */
  readonly id: string;
}

/**
 * Appends Consul-style transactions to a Redis Streams log that {@link RedisEventSource}s
 * publish from. One `append` is one Lua script, atomic in Redis: it takes the next index from
 * the log's counter, adds one stream entry (the index, the events as a protobuf `EventBatch`,
 * their routes) and applies the rows to the state hash. Any number of writers, in any number
 * of processes, may append to one log: Redis orders them, and every index is the previous plus
 * one, starting at 2.
 */
export class RedisEventWriter {
  readonly #redis: RedisConnection;
  readonly #keys: RedisLogKeys;
  readonly #maxLength: string;

  constructor(options: RedisEventWriterOptions) {
    this.#redis = options.redis;
    this.#keys = redisLogKeys(options.prefix ?? "submatview");
    const maxLength = options.maxLength ?? 10_000;
    if (!Number.isSafeInteger(maxLength) || maxLength < 0) {
      throw new Error(`RedisEventWriter: maxLength ${maxLength} is not a count`);
    }
    this.#maxLength = String(maxLength);
  }

  /**
   * Appends one transaction; resolves with its index once Redis has it. A write that fails
   * (invalid, or refused by Redis) changes nothing.
   */
  async append(writes: readonly RedisWrite[]): Promise<Appended> {
    const { batch, routes, rows } = encodeTransaction(writes);
    const reply = await runScript(this.#redis, APPEND_SCRIPT, this.#keys, [
      batch,
      routes,
      this.#maxLength,
      ...rows,
    ]);
    if (!Array.isArray(reply) || reply.length !== 2) {
      throw new Error("redis append: unexpected reply from the append script");
    }
    return { index: parseIndex(text(reply[0])), id: text(reply[1]) };
  }
}
