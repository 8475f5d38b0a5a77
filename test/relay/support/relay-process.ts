/**
 * The relay CLI as a child process (`node --import tsx src/node/cli.ts relay …`), as a user
 * runs `npx react-submatview relay`: resolves with the URL it prints; `stop()` sends SIGINT and
 * resolves with the exit code.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));

export interface RelayProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGINT (Ctrl-C); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the CLI with `args`; rejects with its output if it exits before printing its URL. */
export function startRelayProcess(args: readonly string[]): Promise<RelayProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/node/cli.ts", ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (\S+)/.exec(output);
      if (!match) return;
      child.stdout!.off("data", onData);
      child.stdout!.on("data", (more: Buffer) => {
        output += more.toString();
      });
      resolve({
        url: match[1]!,
        child,
        output: () => output,
        stop: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
          return exited;
        },
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then((code) =>
      reject(new Error(`relay exited (${code}) before serving:\n${output}`)),
    );
  });
}
