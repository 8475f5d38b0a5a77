/**
 * A server process of the Redis tests (run by publisher-process.ts with `node --import tsx`):
 * `serve()` over an `EventPublisher` fed by a `RedisEventSource` on the log `prefix` of the
 * redis-server at the unix socket `path`. Prints "listening on URL at INDEX"; SIGINT stops it.
 */
import { Redis } from "ioredis";
import { RedisEventSource, serve } from "../../../src/node/index.js";
import { EventPublisher } from "../../../src/server/index.js";

const [path, prefix] = process.argv.slice(2);
if (!path || !prefix) throw new Error("usage: publisher-main.ts SOCKET PREFIX");

const redis = new Redis({ path });
const publisher = new EventPublisher({ snapshotCacheTtlMs: 50 });
const source = await RedisEventSource.start({ redis, prefix, publisher });
const server = await serve({ publisher, closeGraceMs: 200 });
console.log(`listening on ${server.url} at ${source.index}`);

source.done.catch((error: unknown) => {
  console.error(`redis event source failed: ${String(error)}`);
  process.exit(1);
});
process.once("SIGINT", async () => {
  await source.stop();
  await server.close();
  redis.disconnect();
  process.exit(0);
});
