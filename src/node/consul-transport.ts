/**
 * The upstream transport to Consul servers (SPEC L4): connect-node's gRPC transport over
 * connections that speak Consul's RPC-port protocol (type byte, optional TLS), with failover
 * across server addresses; and `upstreamTransport(url)`, which picks a transport from a URL.
 */
import type { Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  type ConsulTlsOptions,
  dialedConnection,
  parseServerAddress,
  type ServerAddress,
  ServerDialer,
} from "./rpc-connection.js";

export interface ConsulTransportOptions {
  /**
   * Consul servers' RPC addresses (`host:port`, port 8300 by default). Connections go to the
   * first that accepts, and stay with it until it fails; then the next one is tried.
   */
  readonly servers: readonly (string | ServerAddress)[];
  /** TLS (`RPCTLS`, then TLS, then `RPCGRPC`), for servers with `tls.internal_rpc` set. */
  readonly tls?: ConsulTlsOptions;
  /** How long one server gets to accept a connection; default 10 s. */
  readonly connectTimeoutMs?: number;
  /**
   * HTTP/2 keepalive: Consul's own clients ping every 30 s and give up after 10 s, so a dead
   * server (no FIN, no RST) is noticed and the stream retried elsewhere.
   */
  readonly pingIntervalMs?: number;
  readonly pingTimeoutMs?: number;
  /** The largest message accepted (a snapshot batch is one); default 64 MiB. */
  readonly readMaxBytes?: number;
}

/**
 * A Connect `Transport` (gRPC over HTTP/2) to Consul servers' RPC port. Consul reads the ACL
 * token from each `SubscribeRequest.Token` (its subscribe service resolves `req.Token`), so
 * every request carries its own token; the transport holds none.
 *
 * @example
 * ```ts
 * const transport = createConsulTransport({
 *   servers: ["10.0.0.1:8300", "10.0.0.2:8300", "10.0.0.3:8300"],
 *   tls: { ca: readFileSync("consul-agent-ca.pem"), servername: "server.dc1.consul" },
 * });
 * const client = createClient(StateChangeSubscription, transport);
 * ```
 */
export function createConsulTransport(options: ConsulTransportOptions): Transport {
  const servers = options.servers.map((s) => (typeof s === "string" ? parseServerAddress(s) : s));
  const dialer = new ServerDialer({
    servers,
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.connectTimeoutMs !== undefined
      ? { connectTimeoutMs: options.connectTimeoutMs }
      : {}),
  });
  const first = servers[0]!;
  const host = first.host.includes(":") ? `[${first.host}]` : first.host;
  return createGrpcTransport({
    // Only the :authority header comes from here; the connection comes from the dialer.
    baseUrl: `http://${host}:${first.port}`,
    nodeOptions: { createConnection: () => dialedConnection(dialer) },
    pingIntervalMs: options.pingIntervalMs ?? 30_000,
    pingTimeoutMs: options.pingTimeoutMs ?? 10_000,
    readMaxBytes: options.readMaxBytes ?? 64 * 1024 * 1024,
  });
}

/** TLS files for an upstream URL: the CLI's `--ca`, `--cert`, `--key`. */
export interface UpstreamTlsOptions extends ConsulTlsOptions {}

/**
 * The transport for an upstream URL, by scheme:
 * - `consul://host:8300[,host2:8300…]`: Consul servers' RPC port (type byte `8`);
 * - `consul+tls://host:8300[,…]`: the same with `RPCTLS` and TLS (`tls` gives CA, cert, key);
 * - `http://host:port`, `https://host:port`: a plain gRPC subscribe server over HTTP/2, such as
 *   `serve()` or another relay (h2c for `http:`).
 */
export function upstreamTransport(url: string, tls: UpstreamTlsOptions = {}): Transport {
  const match = /^([a-z+]+):\/\/(.+?)\/?$/i.exec(url.trim());
  if (!match) throw new Error(`invalid upstream URL "${url}"`);
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!;
  switch (scheme) {
    case "consul":
    case "consul+tls":
      return createConsulTransport({
        servers: rest.split(","),
        ...(scheme === "consul+tls" ? { tls } : {}),
      });
    case "http":
    case "https":
      return createGrpcTransport({
        baseUrl: `${scheme}://${rest}`,
        pingIntervalMs: 30_000,
        pingTimeoutMs: 10_000,
        readMaxBytes: 64 * 1024 * 1024,
        ...(scheme === "https" ? { nodeOptions: pick(tls) } : {}),
      });
    default:
      throw new Error(
        `unsupported upstream scheme "${scheme}:": use consul://, consul+tls://, http:// or https://`,
      );
  }
}

function pick(tls: UpstreamTlsOptions) {
  const { ca, cert, key, servername, rejectUnauthorized } = tls;
  return Object.fromEntries(
    Object.entries({ ca, cert, key, servername, rejectUnauthorized }).filter(
      ([, v]) => v !== undefined,
    ),
  );
}
