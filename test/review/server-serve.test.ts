// Review of serve() (SPEC S7, S8): close() must be bounded by closeGraceMs whatever the
// clients do — a TLS client that never completes its handshake, a client that never reads.
import { once } from "node:events";
import * as net from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";
import { createTestCertificate } from "../support/test-certificate.js";

let server: TestServer | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.close();
  server = undefined;
});

/** Rejects if `promise` has not settled within `ms`: a hang fails, bounded. */
function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: "127.0.0.1" });
  sockets.push(socket);
  socket.on("error", () => {});
  await once(socket, "connect");
  return socket;
}

describe("review: close() is bounded by closeGraceMs (SPEC S7)", () => {
  test("SPEC S7: with tls, a connection that never starts its handshake neither delays close() nor survives it", async () => {
    server = await startTestServer({}, { tls: createTestCertificate(), closeGraceMs: 50 });
    const silent = await connect(server.server.port);
    const partial = await connect(server.server.port);
    partial.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])); // half a ClientHello
    // Before the fix close() waited for Node's 120 s TLS handshake timeout.
    await within(server.close(), 5000, "close() waited on a connection still in its handshake");
    if (!silent.closed) await within(once(silent, "close"), 1000, "the silent socket stayed open");
    if (!partial.closed) await within(once(partial, "close"), 1000, "the partial one stayed open");
  }, 10_000);

  test("SPEC S7: with tls, dropConnections() also cuts a connection still in its handshake", async () => {
    server = await startTestServer({}, { tls: createTestCertificate() });
    const silent = await connect(server.server.port);
    server.server.dropConnections();
    await within(once(silent, "close"), 2000, "dropConnections() left a handshaking socket open");
    expect(silent.closed).toBe(true);
  }, 10_000);

  test("SPEC S7: an HTTP/1.1 client that never reads its stream does not hold close() past the grace", async () => {
    server = await startTestServer({}, { closeGraceMs: 100 });
    server.catalog.populate({ services: 1, instancesPerService: 3000, seed: 1 });
    const socket = await connect(server.server.port);
    const body = Buffer.from(
      '{"Topic":"ServiceHealth","NamedSubject":{"Key":"service-00"}}',
      "utf8",
    );
    socket.write(
      "POST /subscribe.StateChangeSubscription/Subscribe HTTP/1.1\r\nHost: x\r\n" +
        "Content-Type: application/connect+json\r\n" +
        `Content-Length: ${body.length + 5}\r\n\r\n`,
    );
    const envelope = Buffer.alloc(5);
    envelope.writeUInt32BE(body.length, 1);
    socket.write(Buffer.concat([envelope, body]));
    await once(socket, "data"); // the response started; then the client stops reading
    socket.pause();
    // Grace 100 ms: well within the deadline, which only a hang would miss.
    await within(server.close(), 3000, "close() waited on a client that does not read");
    const close = second(server);
    await within(close, 1000, "a second close() did not settle");
  }, 10_000);
});

/** A second close() settles too (it is idempotent). */
function second(s: TestServer): Promise<void> {
  return s.close();
}
