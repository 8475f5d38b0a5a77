/**
 * Connections to Consul servers' RPC port (SPEC L4): a TCP connection that writes the RPC type
 * byte before HTTP/2 — `8` (`RPCGRPC`), or `3` (`RPCTLS`), the TLS handshake, then `8` inside
 * TLS — trying each server address in turn until one accepts (Consul's `agent/pool/conn.go`
 * and the dialer of `agent/grpc-internal/client.go`).
 */
import * as net from "node:net";
import { Duplex } from "node:stream";
import * as tls from "node:tls";

/** Consul's `pool.RPCTLS`: the rest of the connection is TLS, then another type byte. */
export const RPC_TLS = 3;
/** Consul's `pool.RPCGRPC`: the rest of the connection is HTTP/2 gRPC. */
export const RPC_GRPC = 8;

/** TLS to Consul servers (their `tls.internal_rpc` settings); PEM strings or buffers. */
export interface ConsulTlsOptions {
  /** The CA that signed the servers' certificates (Consul's `ca_file`). */
  readonly ca?: string | Buffer;
  /** A client certificate and key, for servers with `verify_incoming` (mutual TLS). */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /**
   * The name the server certificate must carry; Consul's are issued for
   * `server.<datacenter>.<domain>` (e.g. `server.dc1.consul`). Default: the address's host.
   */
  readonly servername?: string;
  /** Default true: a server certificate the CA did not sign fails the connection. */
  readonly rejectUnauthorized?: boolean;
}

/** A server address, `host:port` (IPv6 as `[::1]:8300`); the port defaults to 8300. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

/** Parses `host[:port]`, `[v6][:port]`; Consul's server RPC port 8300 by default. */
export function parseServerAddress(address: string): ServerAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(address.trim());
  if (!match) throw new Error(`invalid server address "${address}": expected host:port`);
  const port = match[3] === undefined ? 8300 : Number(match[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`invalid port in server address "${address}"`);
  }
  return { host: (match[1] ?? match[2])!, port };
}

export interface DialOptions {
  readonly servers: readonly ServerAddress[];
  readonly tls?: ConsulTlsOptions;
  /** How long one server gets to accept (TCP and TLS), default 10 s (Consul's dial timeout). */
  readonly connectTimeoutMs?: number;
}

/**
 * Dials the servers in turn, starting with the one that last worked; resolves with a socket
 * ready for HTTP/2 (the type bytes written, TLS established), or rejects with the last
 * server's error once every one failed.
 */
export class ServerDialer {
  readonly #servers: readonly ServerAddress[];
  readonly #tls: ConsulTlsOptions | undefined;
  readonly #timeoutMs: number;
  #next = 0;

  constructor(options: DialOptions) {
    if (options.servers.length === 0) throw new Error("at least one server address is needed");
    this.#servers = options.servers;
    this.#tls = options.tls;
    this.#timeoutMs = options.connectTimeoutMs ?? 10_000;
  }

  async dial(signal?: AbortSignal): Promise<net.Socket> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.#servers.length; attempt++) {
      const index = (this.#next + attempt) % this.#servers.length;
      try {
        const socket = await this.#dialOne(this.#servers[index]!, signal);
        this.#next = index; // sticky: the next connection tries this server first
        return socket;
      } catch (error) {
        lastError = error;
        if (signal?.aborted) break;
      }
    }
    this.#next = (this.#next + 1) % this.#servers.length;
    throw lastError;
  }

  #dialOne(server: ServerAddress, signal: AbortSignal | undefined): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const raw = net.connect({ host: server.host, port: server.port });
      let socket: net.Socket = raw;
      const fail = (error: Error) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        socket.destroy();
        raw.destroy();
        reject(error);
      };
      const onAbort = () => fail(new Error("dial aborted"));
      const timer = setTimeout(
        () => fail(new Error(`timed out connecting to ${server.host}:${server.port}`)),
        this.#timeoutMs,
      );
      signal?.addEventListener("abort", onAbort, { once: true });
      const ready = () => {
        socket.write(Buffer.of(RPC_GRPC));
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        socket.off("error", fail);
        raw.off("error", fail);
        // Under TLS the raw socket's failures reach the TLS socket; keep it from crashing.
        if (socket !== raw) raw.on("error", () => {});
        resolve(socket);
      };
      raw.once("error", fail);
      raw.once("connect", () => {
        const options = this.#tls;
        if (!options) {
          ready();
          return;
        }
        raw.write(Buffer.of(RPC_TLS));
        const secure = tls.connect({
          socket: raw,
          ca: options.ca,
          cert: options.cert,
          key: options.key,
          servername: options.servername ?? (net.isIP(server.host) ? undefined : server.host),
          rejectUnauthorized: options.rejectUnauthorized ?? true,
          // An IP address is checked against the certificate's IP SANs.
          ...(options.servername === undefined && net.isIP(server.host)
            ? { checkServerIdentity: (_host, cert) => tls.checkServerIdentity(server.host, cert) }
            : {}),
        });
        socket = secure;
        secure.once("error", fail);
        secure.once("secureConnect", ready);
      });
    });
  }
}

/**
 * A duplex stream for `http2.connect`'s `createConnection`, which must return synchronously:
 * it buffers what HTTP/2 writes (the preface, the first requests) until the dialer has a
 * server ready, then pipes both ways. When no server accepts it is destroyed with the dial
 * error, which connect-node reports as a retryable `Unavailable`.
 */
export function dialedConnection(dialer: ServerDialer): Duplex {
  let socket: net.Socket | undefined;
  const pending: Array<[Buffer, BufferEncoding, (error?: Error | null) => void]> = [];
  let ending: ((error?: Error | null) => void) | undefined;
  const abort = new AbortController();
  const duplex = new Duplex({
    read() {
      socket?.resume();
    },
    write(chunk: Buffer, encoding, callback) {
      if (socket) socket.write(chunk, encoding, callback);
      else pending.push([chunk, encoding, callback]);
    },
    final(callback) {
      if (socket) socket.end(callback);
      else ending = callback;
    },
    destroy(error, callback) {
      abort.abort();
      socket?.destroy();
      callback(error);
    },
  });
  dialer.dial(abort.signal).then(
    (connected) => {
      if (duplex.destroyed) {
        connected.destroy();
        return;
      }
      socket = connected;
      connected.on("data", (data: Buffer) => {
        if (!duplex.push(data)) connected.pause();
      });
      connected.on("end", () => duplex.push(null));
      connected.on("close", () => duplex.destroy());
      connected.on("error", (error) => duplex.destroy(error));
      for (const [chunk, encoding, callback] of pending.splice(0)) {
        connected.write(chunk, encoding, callback);
      }
      if (ending) connected.end(ending);
    },
    (error: unknown) => duplex.destroy(error instanceof Error ? error : new Error(String(error))),
  );
  return duplex;
}
