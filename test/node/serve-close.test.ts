// serve().close() lets the publisher's "server is shutting down" error reach every open stream
// (SPEC S7) before it cuts connections, and never leaves a client stream waiting on a response
// that will not come (SPEC M2, M6: the client must see an error and resubscribe).

import { once } from "node:events";
import * as http2 from "node:http2";
import * as net from "node:net";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { classifyFailure } from "react-submatview/core";
import { StateChangeSubscription } from "react-submatview/gen";
import { afterEach, describe, expect, test } from "vitest";
import { deferred } from "../support/deferred.js";
import {
  healthRequest,
  type Protocol,
  StreamReader,
  startTestServer,
  type TestServer,
} from "../support/server.js";

let server: TestServer | undefined;
afterEach(() => server?.close());

/** Rejects with `message()` if `promise` has not settled within `ms`: a hang fails, bounded. */
function within<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The error a stream read ends with (a ConnectError), or a failure if it ends without one. */
async function failure(read: Promise<unknown>): Promise<ConnectError> {
  try {
    await read;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("the stream yielded instead of failing");
}

const protocols: Protocol[] = [
  "connect", // Connect over HTTP/1.1
  "connect-h2", // Connect over h2c
  "grpc", // gRPC over h2c
  "grpc-web", // gRPC-web over HTTP/1.1
  "grpc-web-h2",
  "connect-fetch", // connect-web over Node's fetch, as a browser
  "grpc-web-fetch",
];

describe("SPEC S7: close() delivers the shutting-down error to open streams", () => {
  for (const protocol of protocols) {
    test(`${protocol}: an open stream ends with Unavailable "server is shutting down", not a dropped connection`, async () => {
      // A grace far longer than the test's timeout: close() must finish because the streams
      // ended, not because the grace ran out.
      server = await startTestServer({}, { closeGraceMs: 60_000 });
      server.catalog.populate({ services: 1, instancesPerService: 2, seed: 1 });
      const reader = new StreamReader(server.client(protocol), healthRequest("service-00"));
      await reader.snapshot();
      const closed = server.close();
      const error = await failure(reader.next());
      expect(error.code).toBe(Code.Unavailable);
      expect(error.rawMessage).toMatch(/server is shutting down/);
      await closed;
      reader.close();
    });
  }
});

describe("SPEC M2/M6: a stream the server has not answered when close() runs fails, never hangs", () => {
  for (const protocol of ["grpc", "connect-h2", "grpc-web-h2", "connect"] as const) {
    test(`${protocol}: 20 streams held before their response end with a retryable error`, async () => {
      // The authorizer holds every handler before it answers (no response headers yet), for
      // longer than the grace. Closing the HTTP/2 stream with RST_STREAM NO_ERROR here left
      // connect-node's client waiting for a response forever (one stream in twenty).
      let arrived = 0;
      const all = deferred();
      server = await startTestServer(
        {
          authorizer: () => {
            if (++arrived === 20) all.resolve();
            return new Promise(() => {});
          },
        },
        { closeGraceMs: 50 },
      );
      const client = server.client(protocol);
      const readers = Array.from(
        { length: 20 },
        () => new StreamReader(client, healthRequest("a")),
      );
      const reads = readers.map((reader) => failure(reader.next()));
      await within(all.promise, 5000, () => `${arrived} of 20 requests reached the server`);
      await server.close();
      const errors = await within(Promise.all(reads), 8000, () => "a client stream hung");
      // A dropped connection: the materializer keeps its view and resumes (M6 "anything else").
      for (const error of errors) expect(classifyFailure(error)).toBe("retry");
      for (const reader of readers) reader.close();
    }, 20_000);
  }

  test("streams answered during the grace get the shutting-down error (Unavailable)", async () => {
    const gate = deferred();
    let arrived = 0;
    const all = deferred();
    server = await startTestServer(
      {
        authorizer: async () => {
          if (++arrived === 10) all.resolve();
          await gate.promise;
          return () => true;
        },
      },
      { closeGraceMs: 60_000 },
    );
    const client = createClient(StateChangeSubscription, server.transport("grpc"));
    const readers = Array.from({ length: 10 }, () => new StreamReader(client, healthRequest("a")));
    const reads = readers.map((reader) => failure(reader.next()));
    await within(all.promise, 5000, () => `${arrived} of 10 requests reached the server`);
    const closed = server.close();
    gate.resolve(); // the handlers go on after shutdown(): the publisher refuses them (S7)
    for (const error of await within(Promise.all(reads), 8000, () => "a client stream hung")) {
      expect(error.code).toBe(Code.Unavailable);
      expect(error.rawMessage).toMatch(/server is shutting down/);
    }
    await closed;
    for (const reader of readers) reader.close();
  }, 20_000);
});

describe("close() does not wait out its grace for connections with nothing in flight", () => {
  test("a connection that never sent a byte, an idle HTTP/1.1 keep-alive one, an idle h2c session", async () => {
    server = await startTestServer({}, { closeGraceMs: 60_000 });
    const port = server.server.port;
    const silent = net.connect({ port, host: "127.0.0.1" });
    silent.on("error", () => {});
    await once(silent, "connect");
    const keepAlive = net.connect({ port, host: "127.0.0.1" });
    keepAlive.on("error", () => {});
    keepAlive.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
    await once(keepAlive, "data"); // the 404, and the connection stays open
    const session = http2.connect(server.url);
    session.on("error", () => {});
    await once(session, "remoteSettings");
    // Bounded by the test's timeout, far below the 60 s grace.
    await server.close();
    if (!silent.closed) await once(silent, "close"); // the server closed it too
    session.destroy();
  });
});
