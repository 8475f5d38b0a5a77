/**
 * SPEC M6: a dropped connection is not terminal. connect-es raises its own errors for a stream
 * cut off mid-way, some with `InvalidArgument` ("protocol error: missing EndStreamResponse",
 * "incomplete envelope"); only a status the server really sent may stop a materializer.
 * Everything here runs over real HTTP on 127.0.0.1.
 */
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import {
  createGrpcTransport,
  createConnectTransport as createNodeConnectTransport,
} from "@connectrpc/connect-node";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { classifyFailure } from "react-submatview/core";
import { afterEach, describe, expect, test } from "vitest";
import { ev } from "../support/pushable-client.js";
import { startTestServer } from "../support/server.js";
import { type Ending, startTruncatingServer } from "../support/truncating-server.js";
import { ids, materialize as materializeWeb } from "../support/web-materializer.js";

type Transports = Record<string, { http: "1.1" | "2"; make: (url: string) => Transport }>;
const transports: Transports = {
  "Connect over HTTP/1.1 (fetch)": {
    http: "1.1",
    make: (baseUrl) => createConnectTransport({ baseUrl, useBinaryFormat: true }),
  },
  "Connect over HTTP/1.1 (connect-node)": {
    http: "1.1",
    make: (baseUrl) =>
      createNodeConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true }),
  },
  "Connect over HTTP/2": {
    http: "2",
    make: (baseUrl) =>
      createNodeConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true }),
  },
  "gRPC over h2c": { http: "2", make: (baseUrl) => createGrpcTransport({ baseUrl }) },
  "gRPC-web over HTTP/1.1": {
    http: "1.1",
    make: (baseUrl) => createGrpcWebTransport({ baseUrl, useBinaryFormat: true }),
  },
};

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A materializer for "web" over `transport`, stopped after the test. */
function materialize(transport: Transport) {
  const m = materializeWeb(transport);
  cleanups.push(m.stop);
  return m;
}

describe("SPEC M6: a stream cut off mid-way is retried from the current index, not terminal", () => {
  const cuts: Array<[string, Ending]> = [
    ["the body ends without the end-of-stream message", { cut: "end" }],
    ["the body ends in the middle of an envelope", { cut: "partial" }],
    ["the connection is destroyed", { cut: "destroy" }],
  ];
  const matrix = Object.entries(transports).flatMap(([name, t]) =>
    cuts.map(([cut, ending]) => [name, cut, t, ending] as const),
  );

  test.each(matrix)("%s: %s → reconnecting, then live again", async (_name, _cut, t, ending) => {
    const server = await startTruncatingServer(t.http, (n, request) =>
      n === 0
        ? { events: [ev.register(5n, "n1", "web-1"), ev.end(5n)], ending }
        : request.Index === 5n
          ? { events: [ev.register(6n, "n2", "web-2")], ending: { hold: true } }
          : // The view was thrown away (a reset): fail fast rather than wait for a snapshot.
            { events: [], ending: { status: Code.Unimplemented, message: "expected a resume" } },
    );
    cleanups.push(() => server.close());
    const m = materialize(t.make(server.url));
    const state = await m.until((s) => s.index === 6n);
    expect(state.status).toBe("live");
    expect(ids(state)).toEqual(["web-1", "web-2"]);
    // The view was kept: the second stream resumed from the snapshot's index.
    expect(m.requests.map((r) => r.Index)).toEqual([0n, 5n]);
    const dropped = m.states.find((s) => s.status === "reconnecting");
    expect(dropped?.error).toBeInstanceOf(ConnectError);
    expect(dropped?.index).toBe(5n);
    expect(classifyFailure(dropped?.error)).toBe("retry");
  });

  test.each(Object.entries(transports))(
    "%s: an InvalidArgument the server sends stays terminal",
    async (_name, t) => {
      const server = await startTruncatingServer(t.http, () => ({
        events: [ev.register(5n, "n1", "web-1"), ev.end(5n)],
        ending: { status: Code.InvalidArgument, message: "bad subject" },
      }));
      cleanups.push(() => server.close());
      const m = materialize(t.make(server.url));
      const state = await m.until((s) => s.status === "failed");
      expect(state.status).toBe("failed");
      expect(state.error).toMatchObject({ code: Code.InvalidArgument, rawMessage: "bad subject" });
      await m.done;
      expect(server.requests).toHaveLength(1);
    },
  );
});

describe("SPEC M6: the package's server dropping every connection", () => {
  test.each(Object.entries(transports))(
    "%s: the view goes reconnecting, resumes from its index and recovers",
    async (_name, t) => {
      const server = await startTestServer();
      cleanups.push(() => server.close());
      server.catalog.register({ node: "n1", service: "web", id: "web-1" });
      server.catalog.register({ node: "n2", service: "web", id: "web-2" });
      const m = materialize(t.make(server.url));
      expect((await m.until((s) => s.index === 2n)).status).toBe("live");
      server.server.dropConnections();
      server.catalog.register({ node: "n3", service: "web", id: "web-3" });
      const state = await m.until((s) => s.index === 3n && s.status === "live");
      expect(state.status).toBe("live");
      expect(ids(state)).toEqual(["web-1", "web-2", "web-3"]);
      expect(m.states.some((s) => s.status === "reconnecting")).toBe(true);
      // Resumed from index 2: the drop did not throw the view away.
      expect(m.requests[1]?.Index).toBe(2n);
    },
  );
});
