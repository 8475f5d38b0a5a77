/**
 * Helpers of the demo's end-to-end test: start the demo as `npm start` does (one child
 * process), launch Debian's Chromium through playwright-core, and read the server's state.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium (`apt-get install -y chromium`); never a downloaded browser. */
export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);

/** The flags TOOLCHAIN.md lists for Chromium on these machines. */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface DemoProcess {
  readonly url: string;
  /** SIGTERM, then the exit code (the demo drains and exits 0). */
  stop(): Promise<number | null>;
}

/**
 * What `npm start` runs (tsx demo/main.ts), as one process so the test can stop it cleanly
 * (npm and the tsx CLI each add a parent that a signal would not reach through).
 */
export async function startDemo(args: readonly string[]): Promise<DemoProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "demo/main.ts", "--port", "0", ...args],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = once(child, "exit");
  // Keep reading stdout to the end: closing the pipe early would kill the demo with EPIPE.
  const url = await new Promise<string | undefined>((resolve) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const found = /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (found) resolve(found);
    });
    lines.on("close", () => resolve(undefined));
  });
  if (!url) throw new Error("the demo exited before printing its URL");
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const [code] = await exited;
      return code as number | null;
    },
  };
}

/** `GET /control/state`: the catalog as the server holds it. */
export interface ServerState {
  readonly index: string;
  readonly churning: boolean;
  readonly services: readonly string[];
  readonly health: Readonly<
    Record<
      string,
      ReadonlyArray<{ id: string; node: string; status: string; tags: readonly string[] }>
    >
  >;
}

export async function serverState(url: string): Promise<ServerState> {
  const response = await fetch(`${url}/control/state`);
  if (!response.ok) throw new Error(`GET /control/state: ${response.status}`);
  return (await response.json()) as ServerState;
}

/** A table's rows as the page shows them and as the server's state says, in one format. */
export function rowKey(row: {
  id: string;
  node: string;
  status: string;
  tags: readonly string[];
}): string {
  return `${row.id}|${row.node}|${row.status}|${row.tags.join(",")}`;
}
