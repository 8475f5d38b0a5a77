/**
 * The Redis side of the Redis Streams event source: the keys one log uses, the Lua scripts that
 * append a transaction and load the state atomically, and the small client surface they need.
 */
import { createHash } from "node:crypto";

/**
 * What the source and the writer need of a Redis client: ioredis's `Redis` satisfies it
 * (`callBuffer` answers RESP2, ioredis's default, with bulk strings as `Buffer`s).
 */
export interface RedisConnection {
  callBuffer(command: string, ...args: Array<string | Buffer | number>): Promise<unknown>;
  /** A new connection with the same options (the source's blocking XREAD needs its own). */
  duplicate(): RedisConnection;
  disconnect(): void;
  /** Connection errors (the client reconnects; pending commands fail or are resent). */
  on(event: "error", listener: (error: Error) => void): unknown;
}

/** The three keys of one log, in one hash slot (`{prefix}`), so Redis Cluster can run the scripts. */
export interface RedisLogKeys {
  /** The transaction counter: the index of the last appended transaction. */
  readonly index: string;
  /** The stream: one entry per transaction (`index`, `batch`, `routes`). */
  readonly stream: string;
  /** The current state: one hash field per (topic, subject, key) row, its last upsert. */
  readonly state: string;
}

export function redisLogKeys(prefix: string): RedisLogKeys {
  if (prefix.includes("{") || prefix.includes("}")) {
    throw new Error(`redis prefix "${prefix}": braces are not allowed (it becomes a hash tag)`);
  }
  const tag = `{${prefix}}`;
  return { index: `${tag}:index`, stream: `${tag}:log`, state: `${tag}:state` };
}

/**
 * Appends one transaction (KEYS: index, stream, state; ARGV: batch, routes, maxlen ("0": no
 * trimming), then (op "s" | "d", field, value) per row). Every check runs before the first
 * write, because Redis does not roll a script back: a refused append changes nothing. The new
 * index is read back with GET (a bulk string): INCR's reply becomes a Lua double and would lose
 * precision above 2^53 (SPEC P4). An absent counter starts at 1, so the first transaction is 2,
 * above the index 1 an empty snapshot reports (P5).
 */
export const APPEND_SCRIPT = `
local kinds = {'string', 'stream', 'hash'}
for i = 1, 3 do
  local kind = redis.call('TYPE', KEYS[i]).ok
  if kind ~= 'none' and kind ~= kinds[i] then
    return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' holds a ' .. kind .. ', not a ' .. kinds[i])
  end
end
local current = redis.call('GET', KEYS[1])
if current and not string.match(current, '^%d+$') then
  return redis.error_reply('ERR ' .. KEYS[1] .. ' holds no index')
end
if not current then redis.call('SET', KEYS[1], '1') end
redis.call('INCR', KEYS[1])
local index = redis.call('GET', KEYS[1])
local id
if ARGV[3] ~= '0' then
  id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'index', index, 'batch', ARGV[1], 'routes', ARGV[2])
else
  id = redis.call('XADD', KEYS[2], '*', 'index', index, 'batch', ARGV[1], 'routes', ARGV[2])
end
for i = 4, #ARGV, 3 do
  if ARGV[i] == 's' then
    redis.call('HSET', KEYS[3], ARGV[i + 1], ARGV[i + 2])
  else
    redis.call('HDEL', KEYS[3], ARGV[i + 1])
  end
end
return {index, id}
`;

/**
 * Reads the state and where it stands in one atomic step (KEYS: index, stream, state):
 * `{counter or "0", last entry id or "0-0", that entry's index or "", HGETALL state}`. The state
 * reflects every entry up to that id, none after: tailing from it has no gap, no duplicate.
 */
export const LOAD_SCRIPT = `
local index = redis.call('GET', KEYS[1]) or '0'
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local id = '0-0'
local entryIndex = ''
if #last > 0 then
  id = last[1][1]
  local fields = last[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'index' then entryIndex = fields[i + 1] end
  end
end
return {index, id, entryIndex, redis.call('HGETALL', KEYS[3])}
`;

const sha1 = (script: string) => createHash("sha1").update(script).digest("hex");
const shas = new Map([APPEND_SCRIPT, LOAD_SCRIPT].map((script) => [script, sha1(script)]));

/** Runs `script` by its SHA (EVALSHA), sending its text once when the server lacks it. */
export async function runScript(
  redis: RedisConnection,
  script: string,
  keys: RedisLogKeys,
  args: ReadonlyArray<string | Buffer>,
): Promise<unknown> {
  const tail = [3, keys.index, keys.stream, keys.state, ...args];
  try {
    return await redis.callBuffer("EVALSHA", shas.get(script) ?? sha1(script), ...tail);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return await redis.callBuffer("EVAL", script, ...tail);
  }
}

/** A bulk string reply as text (`callBuffer` gives `Buffer`s). */
export function text(reply: unknown): string {
  if (Buffer.isBuffer(reply)) return reply.toString("utf8");
  if (typeof reply === "string") return reply;
  if (typeof reply === "number") return String(reply);
  throw new Error(`redis: expected a string reply, got ${typeof reply}`);
}

/** A decimal index as a bigint, refusing anything that is not one (P4). */
export function parseIndex(value: string): bigint {
  if (!/^\d{1,20}$/.test(value)) throw new Error(`redis: "${value}" is no index`);
  return BigInt(value);
}
