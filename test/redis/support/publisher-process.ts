/**
 * A Redis-fed server process (publisher-main.ts) as a child: resolves with the URL it prints;
 * `stop()` sends SIGINT to its pid and resolves with the exit code.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("./publisher-main.ts", import.meta.url));
const root = fileURLToPath(new URL("../../../", import.meta.url));

export interface PublisherProcess {
  readonly url: string;
  /** The index of the state it loaded from Redis. */
  readonly loadedAt: bigint;
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts a server process on the log `prefix`; rejects with its output if it exits first or is not up in `deadlineMs`. */
export function startPublisherProcess(
  socket: string,
  prefix: string,
  deadlineMs = 20_000,
): Promise<PublisherProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", main, socket, prefix], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let started = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server process not up after ${deadlineMs} ms:\n${output}`));
    }, deadlineMs);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (\S+) at (\d+)/.exec(output);
      if (started || !match) return;
      started = true;
      clearTimeout(timer);
      resolve({
        url: match[1]!,
        loadedAt: BigInt(match[2]!),
        output: () => output,
        stop: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
          return exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`server process exited (${code}) before serving:\n${output}`));
    });
  });
}
