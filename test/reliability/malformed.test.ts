/**
 * Issue 7 item 2, SPEC M5/M6/P5: a raw server (no Connect handler) sends a real registry
 * corrupted frames, invalid protobuf, unknown payloads, framing in the wrong order, index
 * regressions and messages over the transport's readMaxBytes, over Connect, gRPC-web (HTTP/1.1),
 * gRPC (h2c) and connect-web over fetch (as a browser). For each: no uncaught error, no published state the server never defined,
 * a typed error on the next notify, a reset (fault) or resume (retry) as RELIABILITY.md's table
 * says, recovery on the next good stream, and another key of the same registry untouched.
 */
import type { Transport } from "@connectrpc/connect";
import { ConnectError } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import * as web from "@connectrpc/connect-web";
import {
  MaterializerRegistry,
  ProtocolError,
  StreamEndedError,
  StreamResetError,
  serviceHealthRequest,
} from "react-submatview/core";
import type { SubscribeRequest } from "react-submatview/gen";
import { afterEach, describe, expect, test } from "vitest";
import { ev } from "../support/pushable-client.js";
import { type RawResponse, startRawServer, type WireProtocol } from "../support/raw-server.js";
import { mixedStates, recordStates, trackUncaught, waitForState } from "../support/reliability.js";
import { cases, goodStream, model } from "./malformed-cases.js";

/** connect-fetch: connect-web over Node's fetch, as a browser talks to the server. */
type Protocol = WireProtocol | "connect-fetch";

const transports: Record<Protocol, (baseUrl: string, readMaxBytes?: number) => Transport> = {
  connect: (baseUrl, readMaxBytes) =>
    createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true, readMaxBytes }),
  "grpc-web": (baseUrl, readMaxBytes) =>
    createGrpcWebTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true, readMaxBytes }),
  grpc: (baseUrl, readMaxBytes) => createGrpcTransport({ baseUrl, readMaxBytes }),
  // connect-web has no readMaxBytes: every message is accepted up to 4 GiB (RELIABILITY.md).
  "connect-fetch": (baseUrl) => web.createConnectTransport({ baseUrl, useBinaryFormat: true }),
};

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const keyOf = (request: SubscribeRequest) =>
  request.Subject.case === "NamedSubject" ? request.Subject.value.Key : "";

/** The bystander key: one good snapshot at 3, held open. */
const bystander: RawResponse = {
  frames: [{ event: ev.register(3n, "x", "x") }, { event: ev.end(3n) }],
  ending: { hold: true },
};

const typed = (error: Error) =>
  error instanceof ProtocolError ||
  error instanceof ConnectError ||
  error instanceof StreamEndedError ||
  error instanceof StreamResetError;

describe.each(["connect", "grpc-web", "grpc", "connect-fetch"] as const)(
  "malformed input over %s",
  (protocol) => {
    const wire: WireProtocol = protocol === "connect-fetch" ? "connect" : protocol;
    const applicable = cases.filter(
      (c) =>
        (c.protocols ?? [wire]).includes(wire) &&
        (protocol !== "connect-fetch" || c.readMaxBytes === undefined),
    );
    test.each(applicable.map((c) => [c.name, c] as const))(
      "%s: typed error, no mixed view, recovery, other key untouched (SPEC M5, M6)",
      { timeout: 10_000 },
      async (_name, c) => {
        const uncaught = trackUncaught();
        cleanups.push(() => uncaught.stop());
        let victim = 0;
        const server = await startRawServer(protocol === "grpc" ? "2" : "1.1", (request) => {
          if (keyOf(request) !== "web") return bystander;
          return c.bad[victim++] ?? goodStream(request.Index);
        });
        cleanups.push(() => server.close());
        const registry = new MaterializerRegistry({
          transport: transports[protocol](server.url, c.readMaxBytes),
          idleTtlMs: 60_000,
          retry: { random: () => 0, factorMs: 5 },
        });
        cleanups.push(() => registry.dispose());

        const api = registry.acquire(serviceHealthRequest({ service: "api" }));
        const apiSeen = recordStates(api.materializer);
        await waitForState(api.materializer, (s) => s.index === 3n, "the bystander's snapshot");

        const web = registry.acquire(serviceHealthRequest({ service: "web" }));
        const webSeen = recordStates(web.materializer);
        const final = await waitForState(
          web.materializer,
          (s) => s.index === 10n || s.status === "failed",
          "recovery at index 10",
        );

        // Recovered: the good stream's state, live, no error.
        expect(final.status).toBe("live");
        expect(final.error).toBeUndefined();
        // No mixed view: every published state is one the server defined at that index.
        expect(mixedStates(webSeen.seen, model)).toEqual([]);
        // A typed error was published on the notify right before recovery, and only typed ones.
        const recovered = webSeen.seen.findIndex((s) => s.index === 10n);
        const lastBad = webSeen.seen[recovered - 1]?.error;
        expect(lastBad, "an error notify before recovery").toBeDefined();
        expect(c.error(lastBad!), `${lastBad?.name}: ${lastBad?.message}`).toBe(true);
        expect(webSeen.seen.every((s) => !s.error || typed(s.error))).toBe(true);
        // Fault → resubscribe at 0; retry → resume from the last good index.
        const indexes = server.requests.filter((r) => keyOf(r) === "web").map((r) => r.Index);
        expect(indexes).toEqual(c.indexes);
        // A fault after a published state rebuilds the view once (resets + 1).
        const hadState = webSeen.seen.some((s) => s.index > 0n && s.index < 10n);
        expect(final.resets).toBe(c.kind === "fault" && hadState ? 1 : 0);

        // The other key: one stream, one notify, its state untouched and its stream still open.
        expect(server.requests.filter((r) => keyOf(r) === "api")).toHaveLength(1);
        expect(apiSeen.seen.map((s) => [s.index, s.ids, s.error])).toEqual([
          [3n, ["x"], undefined],
        ]);
        expect(api.materializer.streamOpen).toBe(true);
        // Only the bystander's and the victim's good stream are open: the bad ones were closed.
        await server.whenOpen(2);
        expect(server.protocols.every((p) => p === wire)).toBe(true);

        webSeen.stop();
        apiSeen.stop();
        registry.dispose();
        await server.close();
        expect(uncaught.errors).toEqual([]);
      },
    );
  },
);
