import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import * as net from "node:net";
import * as tls from "node:tls";
import {
  type ConnectRouter,
  cors,
  createContextValues,
  type ServiceImpl,
} from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { StateChangeSubscription } from "../gen/index.js";
import { flushHeadersKey, SUBSCRIBED_HEADER } from "../server/accepted-header.js";
import type { EventPublisher } from "../server/event-publisher.js";
import { createSubscribeService } from "../server/subscribe-service.js";
import { earlyHeaders } from "./early-headers.js";
import { remoteAddressKey } from "./remote-address.js";
import { sniffPreface } from "./sniff-preface.js";

type Handler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

/** A `StateChangeSubscription` implementation other than a publisher's (the relay's). */
export interface SubscribeServer {
  readonly service: ServiceImpl<typeof StateChangeSubscription>;
  /** What `close()` calls to end every open stream ("server is shutting down"). */
  shutdown(): void;
  /**
   * Takes a request before connect-node does (the relay's direct Subscribe path); returns
   * false to leave it to the Connect handler.
   */
  serveDirect?(req: http.IncomingMessage | http2.Http2ServerRequest, res: Response): boolean;
}

type Response = http.ServerResponse | http2.Http2ServerResponse;

export interface ServeOptions {
  /** The publisher to serve; or `server` (e.g. a relay) instead. */
  readonly publisher?: EventPublisher;
  /** Serves this implementation instead of the publisher's. */
  readonly server?: SubscribeServer;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (an ephemeral port). */
  readonly port?: number;
  /** Extra routes next to `StateChangeSubscription`. */
  readonly routes?: (router: ConnectRouter) => void;
  /** Handles requests that are not RPCs (the demo page); default 404. */
  readonly fallback?: Handler;
  /**
   * How long `close()` lets open responses finish (they end with the publisher's "shutting
   * down" error) before it cuts the remaining connections. Default 2000 ms.
   */
  readonly closeGraceMs?: number;
  /**
   * A key and certificate (PEM): serve HTTPS instead, HTTP/2 or HTTP/1.1 by ALPN. Browsers
   * speak HTTP/2 only over TLS, and without it a page can hold at most 6 streams to one origin
   * (SPEC H6); over HTTP/2 they all share one connection.
   */
  readonly tls?: Pick<tls.SecureContextOptions, "key" | "cert">;
}

export interface RunningServer {
  /**
   * Base URL for Connect, gRPC-web and (over h2c) gRPC clients, e.g. `http://127.0.0.1:8080`
   * (`https:` with the `tls` option).
   */
  readonly url: string;
  readonly port: number;
  /** Destroys every open connection (a network fault, for tests and demos); keeps listening. */
  dropConnections(): void;
  /**
   * Stops listening and shuts the publisher down, so every open stream ends with its
   * "server is shutting down" error (`Unavailable`, SPEC S7); HTTP/2 sessions get a GOAWAY
   * (new streams are refused, retryable). Resolves once every connection closed: gracefully
   * when the responses finished, cut after `closeGraceMs` otherwise. Idempotent.
   */
  close(): Promise<void>;
}

/** One accepted TCP connection: its protocol once sniffed, and its h1 responses in flight. */
interface Connection {
  protocol?: "h1" | "h2";
  active: number;
}

/** A connection that never sends its first bytes is dropped after this long. */
const SNIFF_TIMEOUT_MS = 30_000;

/**
 * Serves `subscribe.StateChangeSubscription` over the Connect, gRPC and gRPC-web protocols on
 * one port, speaking HTTP/1.1 and cleartext HTTP/2 (h2c, detected from the connection preface),
 * or with `tls` HTTPS (HTTP/2 or HTTP/1.1, chosen by ALPN), with CORS for browsers.
 */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const { publisher } = options;
  const subscribe = options.server ?? (publisher && publisherServer(publisher));
  if (!subscribe) throw new Error("serve() needs a publisher or a server");
  const graceMs = options.closeGraceMs ?? 2000;
  const adapter = connectNodeAdapter({
    routes(router) {
      router.service(StateChangeSubscription, subscribe.service);
      options.routes?.(router);
    },
    contextValues: (req) => {
      const values = createContextValues().set(remoteAddressKey, req.socket.remoteAddress ?? "");
      // An accepted subscription flushes its headers at once (SPEC M4: a quiet resume goes live).
      const res = responseOf.get(req);
      return res ? values.set(flushHeadersKey, earlyHeaders(res)) : values;
    },
    fallback: options.fallback as Parameters<typeof connectNodeAdapter>[0]["fallback"],
  });
  const connections = new Map<net.Socket, Connection>();
  const responseOf = new WeakMap<object, http.ServerResponse | http2.Http2ServerResponse>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const responses = new Set<http.ServerResponse | http2.Http2ServerResponse>();
  let closing: Promise<void> | undefined;
  let allClosed: (() => void) | undefined;

  const handler: Handler = (req, res) => {
    responses.add(res);
    const connection = req.httpVersionMajor === 1 ? connections.get(req.socket) : undefined;
    if (connection) {
      connection.active++;
      // While closing, an HTTP/1.1 connection serves the request it has, then closes.
      if (closing) res.setHeader("Connection", "close");
    }
    const socket = req.socket;
    res.once("close", () => {
      responses.delete(res);
      if (connection && --connection.active === 0 && closing) socket.end();
    });
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader(
      "Access-Control-Expose-Headers",
      [...cors.exposedHeaders, SUBSCRIBED_HEADER].join(", "),
    );
    if (req.method === "OPTIONS") {
      res.setHeader("Access-Control-Allow-Methods", cors.allowedMethods.join(", "));
      res.setHeader(
        "Access-Control-Allow-Headers",
        [...cors.allowedHeaders, "Authorization"].join(", "),
      );
      res.setHeader("Access-Control-Max-Age", "7200");
      res.writeHead(204);
      res.end();
      return;
    }
    if (subscribe.serveDirect?.(req, res)) return;
    responseOf.set(req, res);
    adapter(req as http.IncomingMessage, res as http.ServerResponse);
  };

  const h1 = http.createServer(handler);
  const h2 = http2.createServer(handler);
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    // A connection that completes its preface while closing gets GOAWAY at once: its streams
    // are refused (the client retries elsewhere), never accepted and left unanswered.
    if (closing) session.close();
  });
  const accept = (socket: net.Socket): Connection => {
    const connection: Connection = { active: 0 };
    connections.set(socket, connection);
    // A client may reset the connection at any time, before a byte is read too: an 'error'
    // with no listener would crash the process (the HTTP servers add theirs once attached).
    socket.on("error", () => {});
    socket.once("close", () => {
      connections.delete(socket);
      if (connections.size === 0) allClosed?.();
    });
    return connection;
  };
  const secure = options.tls
    ? tls.createServer({ ...options.tls, ALPNProtocols: ["h2", "http/1.1"] }, (socket) => {
        handshaking.delete(peer(socket));
        const connection = accept(socket);
        connection.protocol = socket.alpnProtocol === "h2" ? "h2" : "h1";
        (connection.protocol === "h2" ? h2 : h1).emit("connection", socket);
      })
    : undefined;
  // A failed handshake ends that connection only.
  secure?.on("tlsClientError", (_error, socket) => socket.destroy());
  // TCP connections whose TLS handshake has not completed (by peer address): not yet in
  // `connections`, yet close() and dropConnections() must end them too, or close() waits on
  // a silent client for Node's 120 s handshake timeout, past closeGraceMs (S7).
  const handshaking = new Map<string, net.Socket>();
  const peer = (socket: net.Socket) => `${socket.remoteAddress}:${socket.remotePort}`;
  secure?.on("connection", (raw: net.Socket) => {
    const key = peer(raw);
    handshaking.set(key, raw);
    raw.once("close", () => {
      if (handshaking.get(key) === raw) handshaking.delete(key);
    });
  });
  const server =
    secure ??
    net.createServer((socket) => {
      const connection = accept(socket);
      sniffPreface(socket, SNIFF_TIMEOUT_MS, (protocol, head) => {
        connection.protocol = protocol;
        // The sniffed bytes go back onto the socket. HTTP/2 reads the TCP handle natively and
        // first feeds itself what the socket has buffered (Node ≥ 14.17: Http2Session's
        // constructor passes `socket.read()` to its handle), so no JS stream sits in between.
        socket.unshift(head);
        if (protocol === "h2") h2.emit("connection", socket);
        else {
          h1.emit("connection", socket);
          socket.resume();
        }
      });
    });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;

  /** Cuts every connection: streams still open get a non-zero RST (never NO_ERROR). */
  const cut = () => {
    for (const res of responses) {
      if (res instanceof http2.Http2ServerResponse && !res.stream.closed) {
        // An unanswered stream closed with NO_ERROR leaves connect-node's client waiting
        // forever for its response; REFUSED_STREAM (no handler answered) reads `Unavailable`.
        res.stream.close(
          res.headersSent ? http2.constants.NGHTTP2_CANCEL : http2.constants.NGHTTP2_REFUSED_STREAM,
        );
      }
    }
    const error = new Error("server closed before the stream ended");
    for (const session of sessions) session.destroy(error, http2.constants.NGHTTP2_CANCEL);
    for (const socket of connections.keys()) socket.destroy();
  };

  return {
    url: `${secure ? "https" : "http"}://${host}:${port}`,
    port,
    dropConnections() {
      // A network fault: the TCP connections die, no HTTP/2 frame is sent on the way out.
      for (const socket of connections.keys()) socket.destroy();
      for (const raw of handshaking.values()) raw.destroy();
    },
    close() {
      closing ??= (async () => {
        const listening = new Promise<void>((resolve) => server.close(() => resolve()));
        const drained = new Promise<void>((resolve) => {
          allClosed = resolve;
          if (connections.size === 0) resolve();
        });
        // Every open stream ends with "server is shutting down" (S7); its response is written.
        subscribe.shutdown();
        for (const session of sessions) session.close();
        for (const raw of handshaking.values()) raw.destroy();
        for (const [socket, connection] of connections) {
          if (connection.protocol === undefined) socket.destroy();
          else if (connection.protocol === "h1" && connection.active === 0) socket.end();
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        const grace = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        });
        await Promise.race([drained, grace]);
        clearTimeout(timer);
        cut();
        await listening;
      })();
      return closing;
    },
  };
}

function publisherServer(publisher: EventPublisher): SubscribeServer {
  return {
    service: createSubscribeService(publisher),
    shutdown: () => publisher.shutdown(),
  };
}
