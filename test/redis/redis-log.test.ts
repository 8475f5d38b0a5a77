/**
 * The Redis Streams log itself (issue 11 item 4): how transactions map to indexes, and that an
 * append is atomic, against a real redis-server on a unix socket.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { EventBatchSchema, type Topic } from "react-submatview/gen";
import { RedisEventWriter, redisLogKeys } from "react-submatview/server/node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { deregister, register } from "./support/health-writes.js";
import { startRedis, type TestRedis } from "./support/redis-server.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

let logs = 0;
/** A fresh log (its own prefix) and a writer on it. */
function freshLog(maxLength?: number) {
  const prefix = `log${++logs}`;
  const client = redis.client();
  return {
    client,
    prefix,
    keys: redisLogKeys(prefix),
    writer: new RedisEventWriter({ redis: client, prefix, maxLength }),
  };
}

const a = (i: number, status = "passing") => ({
  service: "api",
  node: `n${i}`,
  id: `api-${i}`,
  status,
});

describe("index mapping (SPEC P4, S3)", () => {
  test("the first transaction is 2 (an empty snapshot reports 1, P5), then +1 each, written into its entry with every event", async () => {
    const { client, keys, writer } = freshLog();
    const first = await writer.append([register(a(1))]);
    const second = await writer.append([register(a(2)), register(a(3))]);
    expect(first.index).toBe(2n);
    expect(second.index).toBe(3n);
    const entries = (await client.xrangeBuffer(keys.stream, "-", "+")) as Array<[Buffer, Buffer[]]>;
    expect(entries.map(([id]) => id.toString())).toEqual([first.id, second.id]);
    const fields = Object.fromEntries(
      entries[1]![1].flatMap((v, i, all) => (i % 2 ? [] : [[v.toString(), all[i + 1]!]])),
    ) as Record<string, Buffer>;
    expect(fields.index!.toString()).toBe("3");
    expect(fromBinary(EventBatchSchema, fields.batch!).Events).toHaveLength(2);
  });

  test("concurrent writers on separate connections get distinct, gap-free indexes in stream order", async () => {
    const { client, prefix, keys, writer } = freshLog();
    const other = new RedisEventWriter({ redis: redis.client(), prefix });
    const appends = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? writer : other).append([register(a(i))])),
    );
    const indexes = appends.map((x) => x.index).sort((x, y) => (x < y ? -1 : 1));
    expect(indexes).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i + 2)));
    // Stream order is index order: entry ids and indexes rise together.
    const byId = [...appends].sort((x, y) => compareIds(x.id, y.id)).map((x) => x.index);
    expect(byId).toEqual(indexes);
    expect(await client.xlen(keys.stream)).toBe(40);
  });

  test("indexes above 2^53 stay exact (SPEC P4: Lua numbers are doubles, the script reads the counter back as a string)", async () => {
    const { client, keys, writer } = freshLog();
    await client.set(keys.index, (2n ** 60n).toString());
    const { index } = await writer.append([register(a(1))]);
    expect(index).toBe(2n ** 60n + 1n);
    const entries = (await client.xrangeBuffer(keys.stream, "-", "+")) as Array<[Buffer, Buffer[]]>;
    expect(entries[0]![1][1]!.toString()).toBe((2n ** 60n + 1n).toString());
  });
});

describe("atomic append", () => {
  test("the entry and the state hash move together: the state is the replay of the stream", async () => {
    const { client, keys, writer } = freshLog();
    await writer.append([register(a(1)), register(a(2))]);
    await writer.append([register(a(1, "critical")), deregister(a(2))]);
    await writer.append([register(a(3)), deregister(a(3)), register(a(4))]);
    expect(await client.get(keys.index)).toBe("4");
    expect(await client.xlen(keys.stream)).toBe(3);
    const state = await client.hgetall(keys.state);
    expect(Object.keys(state).sort()).toEqual([
      JSON.stringify([1, "api", "//n1//api-1"]),
      JSON.stringify([1, "api", "//n4//api-4"]),
    ]);
  });

  test("a refused append changes nothing: no index taken, no entry, no row (Redis does not roll a script back)", async () => {
    const { client, keys, writer } = freshLog();
    await writer.append([register(a(1))]);
    await client.del(keys.state);
    await client.set(keys.state, "not a hash");
    await expect(writer.append([register(a(2))])).rejects.toThrow(/WRONGTYPE/);
    expect(await client.get(keys.index)).toBe("2");
    expect(await client.xlen(keys.stream)).toBe(1);
    await client.del(keys.state);
    // The counter is unharmed: the next append takes the next index.
    expect((await writer.append([register(a(2))])).index).toBe(3n);
  });

  test("an empty or malformed transaction is refused before it reaches Redis", async () => {
    const { client, keys, writer } = freshLog();
    await expect(writer.append([])).rejects.toThrow(/at least one write/);
    await expect(writer.append([{ ...register(a(1)), topic: 99 as Topic }])).rejects.toThrow(
      /topic/,
    );
    expect(await client.exists(keys.index, keys.stream, keys.state)).toBe(0);
  });

  test("maxLength trims the stream, never the state", async () => {
    const { client, keys, writer } = freshLog(1);
    for (let i = 0; i < 300; i++) await writer.append([register(a(i))]);
    expect(await client.xlen(keys.stream)).toBeLessThan(300);
    expect(await client.hlen(keys.state)).toBe(300);
  });
});

function compareIds(x: string, y: string): number {
  const [xm, xs] = x.split("-").map(BigInt) as [bigint, bigint];
  const [ym, ys] = y.split("-").map(BigInt) as [bigint, bigint];
  return xm === ym ? Number(xs - ys) : xm < ym ? -1 : 1;
}
