/**
 * The `react-submatview` command line: `react-submatview relay --upstream URL [--port N]
 * [--host H] [--ca F] [--cert F] [--key F] [--servername NAME]` starts a relay (SPEC L1–L4)
 * in front of Consul's servers or another subscribe server, and prints the URL it serves on.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { upstreamTransport } from "./consul-transport.js";
import { guardKeepalivePingRace } from "./keepalive-guard.js";
import { Relay } from "./relay.js";
import { type RunningServer, serve } from "./serve.js";

export const USAGE = `usage: react-submatview relay --upstream URL [options]

  --upstream URL        consul://host:8300[,host:8300...]   Consul servers' RPC port
                        consul+tls://host:8300[,...]        the same over TLS (RPCTLS)
                        http://host:port, https://host:port a gRPC subscribe server (npm start, a relay)
  --port N              port to serve on (default 8080; 0 picks a free one)
  --host H              address to listen on (default 127.0.0.1)
  --ca FILE             CA certificate (PEM) that signed the upstream servers' certificates
  --cert FILE --key FILE  client certificate and key (Consul's verify_incoming)
  --servername NAME     name in the servers' certificate (Consul: server.<dc>.<domain>)
  --idle-ttl MS         keep an unused upstream stream this long (default 30000)
  --max-streams-per-client N   (default 200)   --max-streams-per-key N   (default 20000)
`;

export interface RunningRelay {
  readonly relay: Relay;
  readonly server: RunningServer;
  readonly url: string;
  /** The upstream URL as given. */
  readonly upstream: string;
  close(): Promise<void>;
}

/** Parses `argv` (without node and the script) and starts the relay; throws on bad usage. */
export async function startRelayCli(argv: readonly string[]): Promise<RunningRelay> {
  const [command, ...rest] = argv;
  if (command !== "relay") throw new UsageError(`unknown command "${command ?? ""}"`);
  const { values } = parseArgs({
    args: [...rest],
    options: {
      upstream: { type: "string" },
      port: { type: "string", default: "8080" },
      host: { type: "string", default: "127.0.0.1" },
      ca: { type: "string" },
      cert: { type: "string" },
      key: { type: "string" },
      servername: { type: "string" },
      "idle-ttl": { type: "string" },
      "max-streams-per-client": { type: "string" },
      "max-streams-per-key": { type: "string" },
    },
    strict: true,
  });
  if (!values.upstream) throw new UsageError("--upstream is required");
  if (Boolean(values.cert) !== Boolean(values.key)) {
    throw new UsageError("--cert and --key go together");
  }
  const file = (path: string | undefined) => (path ? readFileSync(path) : undefined);
  const transport = upstreamTransport(values.upstream, {
    ca: file(values.ca),
    cert: file(values.cert),
    key: file(values.key),
    servername: values.servername,
  });
  const number = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number`);
    return n;
  };
  const relay = new Relay({
    upstream: transport,
    idleTtlMs: number("idle-ttl", values["idle-ttl"]),
    maxStreamsPerClient: number("max-streams-per-client", values["max-streams-per-client"]),
    maxStreamsPerKey: number("max-streams-per-key", values["max-streams-per-key"]),
  });
  const server = await serve({
    server: relay,
    host: values.host,
    port: number("port", values.port) ?? 8080,
  });
  return {
    relay,
    server,
    url: server.url,
    upstream: values.upstream,
    close: () => server.close(),
  };
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The process around {@link startRelayCli}: prints the URL, stops cleanly on Ctrl-C. */
export async function main(argv: readonly string[]): Promise<void> {
  let running: RunningRelay;
  try {
    running = await startRelayCli(argv);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      process.stderr.write(`react-submatview: ${(error as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw error;
  }
  // connect-node's keepalive can throw from a timer on a just-closed upstream session.
  guardKeepalivePingRace((line) => process.stderr.write(`react-submatview: ${line}\n`));
  process.stdout.write(
    `react-submatview relay listening on ${running.url}\n` +
      `  upstream ${running.upstream}; Ctrl-C stops it\n`,
  );
  // The first signal drains (open streams end with "server is shutting down", Unavailable, and
  // their clients resume on another relay); a second one exits at once.
  let stopping = false;
  const stop = async () => {
    if (stopping) process.exit(1);
    stopping = true;
    await running.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
