/**
 * SPEC M7 with the resume handshake (M4, P5): the server's "accepted" header clears the error of
 * a resumed stream but does not reset the retry count, so a server that accepts and then drops at
 * once still backs off (no retry storm); a resumed stream that stays open for HEALTHY_STREAM_MS
 * does reset it, so a quiet stream cut by an idle timeout later retries at once. Real HTTP on
 * 127.0.0.1; the waiter's and the materializer's timers are manual and separate.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { HEALTHY_STREAM_MS } from "react-submatview/core";
import { EventSchema, type SubscribeRequest, SubscribeRequestSchema } from "react-submatview/gen";
import { acceptSubscription } from "react-submatview/server";
import { afterEach, describe, expect, test } from "vitest";
import { ev } from "../support/pushable-client.js";
import { healthRequest, type Protocol, startTestServer } from "../support/server.js";
import { materialize, within } from "../support/web-materializer.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A server whose first stream sends a snapshot at index 5 and then fails, and whose every
 * resume is accepted (headers flushed with the marker) and then fails at once with Unavailable.
 */
async function acceptThenDropServer(code = Code.Unavailable) {
  const attempts: bigint[] = [];
  const server = await startTestServer(
    {},
    {
      server: {
        service: {
          async *subscribe(request: SubscribeRequest, context: HandlerContext) {
            attempts.push(request.Index);
            acceptSubscription(context);
            if (request.Index === 0n) {
              yield create(EventSchema, ev.register(5n, "n1", "web-1"));
              yield create(EventSchema, ev.end(5n));
            }
            throw new ConnectError("dropped right after accepting", code);
          },
        },
        shutdown: () => {},
      },
    },
  );
  cleanups.push(() => server.close());
  return { server, attempts };
}

describe("SPEC M7: a server that accepts and then drops at once still backs off", () => {
  const paths: Protocol[] = ["connect", "grpc-web", "grpc", "connect-fetch"];
  test.each(paths)("%s", { timeout: 15_000 }, async (protocol) => {
    const { server, attempts } = await acceptThenDropServer();
    const m = materialize(server.transport(protocol));
    cleanups.push(m.stop);
    // Stream 1 (snapshot, then Unavailable) is failure 1: it retries at once. Stream 2 (the first
    // resume) is accepted then fails: failure 2 sets the first backoff timer, and so on.
    let next = m.waiterTimers.scheduled();
    for (const [k, delay] of [200, 400, 800, 1600].entries()) {
      await within(
        next,
        5_000,
        () => `no backoff timer after ${attempts.length} attempts: a storm`,
      );
      expect(attempts).toHaveLength(k + 2);
      expect(m.waiter.failures).toBe(k + 2);
      // The header made the view live for a moment; the failure after it counts all the same.
      expect(m.states.some((s) => s.status === "live" && s.error === undefined)).toBe(true);
      expect(m.materializer.getSnapshot()).toMatchObject({ status: "reconnecting", index: 5n });
      next = m.waiterTimers.scheduled();
      m.waiterTimers.advance(delay - 1);
      expect(m.waiterTimers.pending).toBe(1);
      m.waiterTimers.advance(1);
      expect(m.waiterTimers.pending).toBe(0);
    }
    await within(next, 5_000, () => "no backoff timer after the last attempt");
    expect(attempts).toEqual([0n, 5n, 5n, 5n, 5n, 5n]);
    // Each accepted stream armed its "healthy" timer and cleared it when it ended.
    expect(m.timers.pending).toBe(0);
  });
});

describe("SPEC M7: a resumed stream that stays open for a while counts as healthy", () => {
  test.each(["connect", "grpc", "grpc-web-fetch"] as const)(
    "%s: the retry count resets after HEALTHY_STREAM_MS, not before",
    { timeout: 15_000 },
    async (protocol) => {
      const server = await startTestServer({ snapshotCacheTtlMs: 0 });
      cleanups.push(() => server.close());
      const keeper = server.publisher.subscribe(
        create(SubscribeRequestSchema, healthRequest("web")),
      );
      cleanups.push(() => keeper.unsubscribe());
      server.catalog.register({ node: "n1", service: "web", id: "web-1" });
      const m = materialize(server.transport(protocol), { minFailures: 0 });
      cleanups.push(m.stop);
      await m.until((s) => s.status === "live");

      // Failure 1 waits 200 ms (minFailures 0); the resume is accepted, nothing else arrives.
      const backoff = m.waiterTimers.scheduled();
      server.server.dropConnections();
      await within(backoff, 5_000, () => "no backoff timer after the drop");
      const healthy = m.timers.scheduled();
      m.waiterTimers.advance(200);
      await within(healthy, 5_000, () => "the accepted resume armed no healthy timer");
      await m.until((s) => s.status === "live");
      expect(m.waiter.failures).toBe(1);
      m.timers.advance(HEALTHY_STREAM_MS - 1);
      expect(m.waiter.failures).toBe(1);
      m.timers.advance(1);
      expect(m.waiter.failures).toBe(0);

      // The next drop is failure 1 again: with minFailures 0 that is the shortest wait, 200 ms.
      const again = m.waiterTimers.scheduled();
      server.server.dropConnections();
      await within(again, 5_000, () => "no backoff timer after the second drop");
      expect(m.waiter.failures).toBe(1);
    },
  );
});

describe("SPEC M6: a status sent after the early headers still reaches the client", () => {
  const paths: Protocol[] = ["connect", "connect-h2", "grpc-web", "grpc-web-h2", "grpc"];
  test.each(paths)(
    "%s: PermissionDenied after the early headers and a snapshot is terminal",
    {
      timeout: 15_000,
    },
    async (protocol) => {
      const { server, attempts } = await acceptThenDropServer(Code.PermissionDenied);
      const m = materialize(server.transport(protocol));
      cleanups.push(m.stop);
      // Stream 1: headers flushed on acceptance, the snapshot, then the status in the trailers.
      const failed = await m.until((s) => s.status === "failed");
      expect(failed.error).toMatchObject({ code: Code.PermissionDenied });
      expect(attempts).toEqual([0n]);
    },
  );
});
