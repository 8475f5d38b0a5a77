/**
 * The upstream transport to Consul servers (SPEC L4) against a stand-in for a server's RPC port
 * that demands the type byte, on 127.0.0.1: `8` then HTTP/2 gRPC; `3`, TLS (mutual, with a CA
 * made by openssl at test time), then `8`; failover across addresses; the ACL token carried
 * per request; a missing or wrong byte closes the connection and the client sees a retryable
 * error.
 */
import * as net from "node:net";
import { create } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { classifyFailure } from "react-submatview/core";
import { StateChangeSubscription, SubscribeRequestSchema } from "react-submatview/gen";
import { EventPublisher } from "react-submatview/server";
import { createConsulTransport } from "react-submatview/server/node";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { healthRequest, type RequestInit, StreamReader } from "../support/server.js";
import { type ConsulRpcServer, startConsulRpcServer } from "./support/consul-rpc-server.js";
import { createTestPki, opensslAvailable, type TestPki } from "./support/openssl-ca.js";

let server: ConsulRpcServer | undefined;
const readers: StreamReader[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await server?.close();
  server = undefined;
});

type SubscribeClient = Client<typeof StateChangeSubscription>;

function open(client: SubscribeClient, request: RequestInit): StreamReader {
  const reader = new StreamReader(client, request);
  readers.push(reader);
  return reader;
}

/** The first error of a stream: it must fail (a stream that keeps going fails the test). */
async function failure(client: SubscribeClient, request: RequestInit): Promise<ConnectError> {
  const abort = new AbortController();
  try {
    for await (const _ of client.subscribe(create(SubscribeRequestSchema, request), {
      signal: abort.signal,
    })) {
      // events are not expected before the failure
    }
  } catch (error) {
    return ConnectError.from(error);
  } finally {
    abort.abort();
  }
  throw new Error("the stream ended without an error");
}

/** An address nothing listens on (a server that died). */
async function deadAddress(): Promise<string> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

describe("SPEC L4: gRPC to a Consul server's RPC port", () => {
  test("writes RPCGRPC (8) first, then speaks HTTP/2 gRPC: snapshot and live events", async () => {
    server = await startConsulRpcServer();
    server.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const client = createClient(
      StateChangeSubscription,
      createConsulTransport({ servers: [server.address] }),
    );
    const reader = open(client, healthRequest("web"));
    const snapshot = await reader.snapshot();
    expect(snapshot.at(-1)?.Payload.case).toBe("EndOfSnapshot");
    server.catalog.register({ node: "n2", service: "web", id: "web-2" });
    expect((await reader.next()).Payload.case).toBe("ServiceHealth");
    expect(server.connections).toEqual([[8]]);
  }, 10_000);

  test("fails over: a dead address first, the live server next", async () => {
    server = await startConsulRpcServer();
    server.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const client = createClient(
      StateChangeSubscription,
      createConsulTransport({ servers: [await deadAddress(), server.address] }),
    );
    const snapshot = await open(client, healthRequest("web")).snapshot();
    expect(snapshot.at(-1)?.Payload.case).toBe("EndOfSnapshot");
    expect(server.connections).toEqual([[8]]);
  }, 10_000);

  test("every server down: a retryable error (Unavailable), not a hang", async () => {
    const client = createClient(
      StateChangeSubscription,
      createConsulTransport({ servers: [await deadAddress(), await deadAddress()] }),
    );
    const error = await failure(client, healthRequest("web"));
    expect(error.code).toBe(Code.Unavailable);
    expect(classifyFailure(error)).toBe("retry");
  }, 10_000);

  test("the ACL token travels in each request (Consul resolves SubscribeRequest.Token)", async () => {
    const publisher = new EventPublisher({
      authorizer: (token) => (token === "secret-a" ? () => true : null),
    });
    server = await startConsulRpcServer({ publisher });
    server.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const client = createClient(
      StateChangeSubscription,
      createConsulTransport({ servers: [server.address] }),
    );
    const snapshot = await open(client, healthRequest("web", { Token: "secret-a" })).snapshot();
    expect(snapshot.at(-1)?.Payload.case).toBe("EndOfSnapshot");
    const denied = await failure(client, healthRequest("web", { Token: "secret-b" }));
    expect(denied.rawMessage).toBe("ACL not found");
    expect(classifyFailure(denied)).toBe("terminal");
  }, 10_000);

  test("a client without the type byte is refused: connection closed, retryable error", async () => {
    server = await startConsulRpcServer();
    // Plain h2c gRPC: its first byte is the preface's "P", not a type byte.
    const client = createClient(
      StateChangeSubscription,
      createGrpcTransport({ baseUrl: `http://${server.address}` }),
    );
    const refused = server.refused();
    const error = await failure(client, healthRequest("web"));
    await refused;
    expect(server.connections).toEqual([["P".charCodeAt(0)]]);
    expect(classifyFailure(error)).toBe("retry");
  }, 10_000);
});

describe.skipIf(!opensslAvailable())("SPEC L4: RPCTLS (3), TLS, then RPCGRPC (8)", () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(() => pki.dispose());

  const tlsServer = () =>
    startConsulRpcServer({ tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca } });

  test("mutual TLS with the CA, the client certificate and server.dc1.consul", async () => {
    server = await tlsServer();
    server.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const transport = createConsulTransport({
      servers: [server.address],
      tls: {
        ca: pki.ca,
        cert: pki.clientCert,
        key: pki.clientKey,
        servername: "server.dc1.consul",
      },
    });
    const reader = open(createClient(StateChangeSubscription, transport), healthRequest("web"));
    expect((await reader.snapshot()).at(-1)?.Payload.case).toBe("EndOfSnapshot");
    server.catalog.register({ node: "n2", service: "web", id: "web-2" });
    expect((await reader.next()).Payload.case).toBe("ServiceHealth");
    // 3 on the raw connection, 8 inside TLS: Consul's order.
    expect(server.connections).toEqual([[3, 8]]);
  }, 15_000);

  test("an IP address is checked against the certificate's IP SAN", async () => {
    server = await tlsServer();
    const transport = createConsulTransport({
      servers: [server.address],
      tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey },
    });
    const reader = open(createClient(StateChangeSubscription, transport), healthRequest("web"));
    expect((await reader.snapshot()).at(-1)?.Payload.case).toBe("EndOfSnapshot");
  }, 15_000);

  test("a server certificate from another CA fails the connection (retryable)", async () => {
    server = await tlsServer();
    const other = createTestPki();
    try {
      const transport = createConsulTransport({
        servers: [server.address],
        tls: { ca: other.ca, cert: pki.clientCert, key: pki.clientKey },
      });
      const error = await failure(
        createClient(StateChangeSubscription, transport),
        healthRequest("web"),
      );
      expect(classifyFailure(error)).toBe("retry");
    } finally {
      other.dispose();
    }
  }, 15_000);

  test("RPCTLS to a server without TLS is refused (connection closed, retryable)", async () => {
    server = await startConsulRpcServer();
    const transport = createConsulTransport({
      servers: [server.address],
      tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey },
    });
    const refused = server.refused();
    const error = await failure(
      createClient(StateChangeSubscription, transport),
      healthRequest("web"),
    );
    await refused;
    expect(server.connections).toEqual([[3]]);
    expect(classifyFailure(error)).toBe("retry");
  }, 15_000);

  test("a TLS-capable server still accepts plain RPCGRPC (Consul without verify_incoming)", async () => {
    server = await tlsServer();
    const client = createClient(
      StateChangeSubscription,
      createConsulTransport({ servers: [server.address] }),
    );
    expect((await open(client, healthRequest("web")).snapshot()).at(-1)?.Payload.case).toBe(
      "EndOfSnapshot",
    );
  }, 15_000);
});
