// serve() stays available to hostile or unlucky connections: resets at any stage of protocol
// sniffing, an HTTP/2 preface split across TCP segments, HTTP/1.1 requests whose first segment
// is one byte (SPEC S: "usable in Node over real HTTP/1.1 and HTTP/2").

import { spawn } from "node:child_process";
import { once } from "node:events";
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createClient, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { EventSchema, StateChangeSubscription, SubscribeRequestSchema } from "react-submatview/gen";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  healthRequest,
  StreamReader,
  startTestServer,
  type TestServer,
} from "../support/server.js";
import { trickleConnection, writeSplit } from "./trickle.js";

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
  server.catalog.populate({ services: 2, instancesPerService: 2, seed: 1 });
});
afterEach(() => server.close());

/** Reads a subscription's snapshot over `transport`: proof that the server serves it. */
async function snapshotOver(transport: Transport): Promise<string[]> {
  const reader = new StreamReader(
    createClient(StateChangeSubscription, transport),
    healthRequest("service-00"),
  );
  try {
    return (await reader.snapshot()).map((e) => e.Payload.case ?? "");
  } finally {
    reader.close();
  }
}

const snapshotShape = ["ServiceHealth", "ServiceHealth", "EndOfSnapshot"];

/**
 * A Connect-protocol Subscribe over `http.request` on a given connection (connect-node's own
 * HTTP/1.1 client waits for a socket's "connect" event, which a wrapped connection never
 * emits): returns the snapshot's payload kinds.
 */
async function postSubscribe(url: string, connection: () => net.Socket): Promise<string[]> {
  const message = toBinary(
    SubscribeRequestSchema,
    create(SubscribeRequestSchema, healthRequest("service-00")),
  );
  const envelope = Buffer.alloc(5 + message.length);
  envelope.writeUInt32BE(message.length, 1);
  envelope.set(message, 5);
  const request = http.request(`${url}/subscribe.StateChangeSubscription/Subscribe`, {
    method: "POST",
    headers: { "content-type": "application/connect+proto", "connect-protocol-version": "1" },
    createConnection: connection,
  });
  request.end(envelope);
  const [response] = (await once(request, "response")) as [http.IncomingMessage];
  expect(response.statusCode).toBe(200);
  const kinds: string[] = [];
  let buffered = Buffer.alloc(0);
  for await (const chunk of response) {
    buffered = Buffer.concat([buffered, chunk as Buffer]);
    while (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt32BE(1)) {
      const end = 5 + buffered.readUInt32BE(1);
      const event = fromBinary(EventSchema, buffered.subarray(5, end));
      buffered = buffered.subarray(end);
      kinds.push(event.Payload.case ?? "");
      if (event.Payload.case === "EndOfSnapshot") {
        request.destroy();
        return kinds;
      }
    }
  }
  throw new Error(`stream ended after ${kinds.join(", ")}`);
}

test("a client that resets its connection before sending a byte does not crash the process", async () => {
  // In a child process, so a crash fails this test instead of killing the test worker. The
  // child resets connections before the first byte, mid-preface, after the preface and mid
  // HTTP/1.1 request, then subscribes over a fresh connection and prints what it read.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "test/node/fixtures/connection-resets.ts"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
  child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
  const [code] = await once(child, "exit");
  expect(stderr).not.toMatch(/ECONNRESET|Unhandled 'error' event/);
  expect(code).toBe(0);
  expect(stdout.trim()).toBe("served 3");
}, 30_000);

describe("an HTTP/2 preface split across TCP segments is still HTTP/2", () => {
  test("the preface's first line alone is not answered as HTTP/1.1", async () => {
    const socket = net.connect({ port: server.server.port, host: "127.0.0.1", noDelay: true });
    await once(socket, "connect");
    const received: Buffer[] = [];
    socket.on("data", (data: Buffer) => received.push(data));
    await writeSplit(socket, "PRI * HTTP/2.0\r\n");
    // Once read, HTTP/1.1 would have answered "400 Bad Request" at once; HTTP/2 waits for more.
    await writeSplit(socket, "\r\nSM\r\n\r\n");
    // A SETTINGS frame (empty): the server answers with its own SETTINGS, an HTTP/2 frame.
    socket.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]));
    // (An HTTP/1.1 400 would have closed the connection: fail then instead of waiting.)
    await Promise.race([once(socket, "data"), once(socket, "close")]);
    const reply = Buffer.concat(received);
    expect(reply.subarray(0, 4).toString("latin1")).not.toBe("HTTP");
    expect(reply[3]).toBe(4); // frame type SETTINGS
    socket.destroy();
  });

  test("a real HTTP/2 session whose preface arrives one byte per segment serves gRPC", async () => {
    const transport = createGrpcTransport({
      baseUrl: server.url,
      nodeOptions: { createConnection: () => trickleConnection(server.server.port, 24) },
    });
    expect(await snapshotOver(transport)).toEqual(snapshotShape);
  });

  test("http2.connect over a trickled socket completes a request", async () => {
    const session = http2.connect(server.url, {
      createConnection: () => trickleConnection(server.server.port, 24),
    });
    session.on("error", () => {});
    const stream = session.request({ ":path": "/", ":method": "GET" });
    // Listen before awaiting the response: a body-less answer may end in the same read.
    const ended = once(stream, "end");
    const [headers] = await once(stream, "response");
    stream.resume();
    await ended;
    expect(headers[":status"]).toBe(404); // the default fallback: served, over HTTP/2
    session.close();
  });
});

describe("HTTP/1.1 requests whose first segment is tiny still work", () => {
  for (const split of [1, 2, 3]) {
    test(`a POST whose first ${split} byte(s) arrive alone ("${"POST".slice(0, split)}")`, async () => {
      const connection = () => trickleConnection(server.server.port, split) as net.Socket;
      expect(await postSubscribe(server.url, connection)).toEqual(snapshotShape);
    });
  }

  test('a method that shares "PR" with the preface ("PROPFIND") is HTTP/1.1', async () => {
    const socket = net.connect({ port: server.server.port, host: "127.0.0.1", noDelay: true });
    await once(socket, "connect");
    await writeSplit(socket, "PROPFIND");
    socket.write(" / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const chunks: Buffer[] = [];
    socket.on("data", (data: Buffer) => chunks.push(data));
    await once(socket, "end");
    expect(Buffer.concat(chunks).toString("latin1")).toMatch(/^HTTP\/1\.1 404 /);
  });

  test("a GET sent one byte per segment gets its answer", async () => {
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const request = http.get(`${server.url}/`, {
        createConnection: () => trickleConnection(server.server.port, 16) as net.Socket,
      });
      request.on("response", resolve).on("error", reject);
    });
    response.resume();
    expect(response.statusCode).toBe(404);
  });
});

test("after the split-preface cases, a plain subscription still works over every protocol", async () => {
  for (const protocol of ["connect", "connect-h2", "grpc-web", "grpc"] as const) {
    expect(await snapshotOver(server.transport(protocol))).toEqual(snapshotShape);
  }
});
