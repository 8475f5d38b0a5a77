import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import * as net from "node:net";
import { Duplex } from "node:stream";
import { type ConnectRouter, cors } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { StateChangeSubscription } from "../gen/index.js";
import type { EventPublisher } from "../server/event-publisher.js";
import { createSubscribeService } from "../server/subscribe-service.js";

type Handler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface ServeOptions {
  readonly publisher: EventPublisher;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (an ephemeral port). */
  readonly port?: number;
  /** Extra routes next to `StateChangeSubscription`. */
  readonly routes?: (router: ConnectRouter) => void;
  /** Handles requests that are not RPCs (the demo page); default 404. */
  readonly fallback?: Handler;
}

export interface RunningServer {
  /** Base URL for Connect, gRPC-web and (over h2c) gRPC clients, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  /** Destroys every open connection (a network fault, for tests and demos); keeps listening. */
  dropConnections(): void;
  /** Shuts the publisher's streams down, drops every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * Serves `subscribe.StateChangeSubscription` over the Connect, gRPC and gRPC-web protocols on
 * one port, speaking HTTP/1.1 and cleartext HTTP/2 (h2c, detected from the connection preface),
 * with CORS for browsers.
 */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const { publisher } = options;
  const adapter = connectNodeAdapter({
    routes(router) {
      router.service(StateChangeSubscription, createSubscribeService(publisher));
      options.routes?.(router);
    },
    fallback: options.fallback as Parameters<typeof connectNodeAdapter>[0]["fallback"],
  });
  const handler: Handler = (req, res) => {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Expose-Headers", cors.exposedHeaders.join(", "));
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
    adapter(req as http.IncomingMessage, res as http.ServerResponse);
  };

  const h1 = http.createServer(handler);
  const h2 = http2.createServer(handler);
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.once("data", (chunk: Buffer) => {
      socket.pause();
      // Every HTTP/2 connection opens with "PRI * HTTP/2.0"; anything else is HTTP/1.x.
      if (chunk.subarray(0, 3).toString("latin1") === "PRI") {
        h2.emit("connection", replay(socket, chunk));
      } else {
        socket.unshift(chunk);
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

  return {
    url: `http://${host}:${port}`,
    port,
    dropConnections() {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      publisher.shutdown();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      h1.closeAllConnections();
      await closed;
    },
  };
}

/**
 * The socket as a plain duplex stream that first yields `head`. HTTP/2 reads a real socket's
 * handle directly, so bytes already read (to sniff the preface) cannot be unshifted onto it.
 */
function replay(socket: net.Socket, head: Buffer): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk, encoding, callback) {
      socket.write(chunk, encoding, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  duplex.push(head);
  socket.on("data", (data) => {
    if (!duplex.push(data)) socket.pause();
  });
  socket.on("end", () => duplex.push(null));
  socket.on("close", () => duplex.destroy());
  socket.on("error", (error) => duplex.destroy(error));
  return duplex;
}
