/**
 * A stand-in for a Consul server's RPC port (SPEC L4), mirroring Consul's `handleConn`: read the
 * connection's first byte; `8` (RPCGRPC) hands the socket to an HTTP/2 gRPC server serving the
 * package's subscribe service; `3` (RPCTLS) starts TLS server-side (requiring a client
 * certificate, as `verify_incoming` does) and reads the next byte inside TLS; anything else
 * closes the connection. Records what each connection sent, for the tests.
 */
import * as http2 from "node:http2";
import * as net from "node:net";
import * as tls from "node:tls";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { StateChangeSubscription } from "react-submatview/gen";
import { createSubscribeService, EventPublisher, HealthCatalog } from "react-submatview/server";
import { replaySocket } from "../../../src/node/sniff-preface.js";

export interface ConsulRpcServer {
  readonly address: string;
  readonly publisher: EventPublisher;
  /** A catalog on the publisher (with a shared publisher, use the first server's). */
  readonly catalog: HealthCatalog;
  /** The type bytes each accepted connection sent, e.g. `[8]` or `[3, 8]`; `[5]` was refused. */
  readonly connections: number[][];
  /** Resolves at the next connection this server refuses (a missing or wrong byte). */
  refused(): Promise<void>;
  close(): Promise<void>;
}

export interface ConsulRpcServerOptions {
  /** Server certificate, key and CA: accept RPCTLS (else a `3` is refused like Consul without TLS). */
  readonly tls?: { cert: string; key: string; ca: string };
  readonly publisher?: EventPublisher;
  /** The catalog on `publisher`, when another server already created it (shared state). */
  readonly catalog?: HealthCatalog;
}

const RPC_TLS = 3;
const RPC_GRPC = 8;

export async function startConsulRpcServer(
  options: ConsulRpcServerOptions = {},
): Promise<ConsulRpcServer> {
  // A shared publisher stands for the replicated state of several servers: closing one server
  // cuts its connections only.
  const owned = !options.catalog;
  const publisher = options.publisher ?? new EventPublisher();
  const catalog = options.catalog ?? new HealthCatalog(publisher);
  const adapter = connectNodeAdapter({
    routes: (router) => router.service(StateChangeSubscription, createSubscribeService(publisher)),
  });
  const h2 = http2.createServer(adapter);
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const sockets = new Set<net.Socket>();
  const connections: number[][] = [];
  let refusedWaiters: Array<() => void> = [];
  const secureContext = options.tls && tls.createSecureContext(options.tls);

  /** Reads one type byte from `socket`, then dispatches (Consul's handleConn). */
  const handle = (socket: net.Socket, seen: number[]) => {
    socket.once("readable", function onReadable() {
      const first: Buffer | null = socket.read(1);
      if (first === null) {
        socket.once("readable", onReadable);
        return;
      }
      const type = first[0]!;
      seen.push(type);
      if (type === RPC_GRPC) {
        const rest: Buffer | null = socket.read();
        socket.pause();
        h2.emit("connection", replaySocket(socket, rest ?? Buffer.alloc(0)));
      } else if (type === RPC_TLS && secureContext && !(socket instanceof tls.TLSSocket)) {
        // The ClientHello may already sit in this socket's buffer: replay it to TLS.
        const rest: Buffer | null = socket.read();
        socket.pause();
        const secure = new tls.TLSSocket(replaySocket(socket, rest ?? Buffer.alloc(0)), {
          isServer: true,
          secureContext,
          requestCert: true,
          rejectUnauthorized: true,
        });
        secure.on("error", () => secure.destroy());
        secure.once("secure", () => handle(secure as net.Socket, seen));
      } else {
        // Consul logs "unrecognized RPC byte" and closes the connection.
        socket.destroy();
        for (const resolve of refusedWaiters.splice(0)) resolve();
      }
    });
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.once("close", () => sockets.delete(socket));
    const seen: number[] = [];
    connections.push(seen);
    handle(socket, seen);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    publisher,
    catalog,
    connections,
    refused: () => new Promise((resolve) => refusedWaiters.push(resolve)),
    async close() {
      refusedWaiters = [];
      if (owned) publisher.shutdown();
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
