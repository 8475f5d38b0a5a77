/**
 * A throwaway redis-server for one test file: Debian's binary on a unix socket in a temp dir
 * (`--port 0`: no TCP listener), nothing saved; ready once it prints "…ready to accept
 * connections"; stopped by its pid.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

export const REDIS_SERVER = process.env.REDIS_SERVER ?? "redis-server";

export interface TestRedis {
  /** The unix socket's path (ioredis: `new Redis({ path })`). */
  readonly path: string;
  readonly child: ChildProcess;
  /** A new client on the server; closed by `stop()`. */
  client(): Redis;
  /** Closes every client and stops the server (SIGTERM to its pid), then removes the temp dir. */
  stop(): Promise<void>;
}

/** Starts redis-server; rejects with its output when it exits or is not ready within `deadlineMs`. */
export function startRedis(deadlineMs = 10_000): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), "submatview-redis-"));
  const path = join(dir, "redis.sock");
  const child = spawn(
    REDIS_SERVER,
    ["--port", "0", "--unixsocket", path, "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const clients = new Set<Redis>();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  const stop = async () => {
    for (const client of clients) client.disconnect();
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  let ready = false;
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`${why}\n${output}`)));
    };
    const timer = setTimeout(
      () => fail(`redis-server not ready after ${deadlineMs} ms`),
      deadlineMs,
    );
    child.once("error", (error) =>
      fail(`cannot run ${REDIS_SERVER} (${error.message}): apt-get install -y redis-server`),
    );
    child.once("exit", (code) => fail(`redis-server exited (${code}) before it was ready`));
    child.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (ready || !/ready to accept connections/i.test(output)) return;
      ready = true;
      clearTimeout(timer);
      resolve({
        path,
        child,
        client() {
          const client = new Redis({ path, lazyConnect: false });
          // Tests that drop connections see them as failed commands; no "unhandled error" noise.
          client.on("error", () => {});
          clients.add(client);
          return client;
        },
        stop,
      });
    });
  });
}
