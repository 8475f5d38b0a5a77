/**
 * SPEC H6 with M2, M6, M7: the handshake deadline must not cycle a stream the browser may be
 * queueing. A browser opens at most 6 HTTP/1.1 connections to an `http:` origin and queues
 * further fetches; a queued stream gets no headers either, so once its server sent the marker
 * the deadline would abort it every 10 s (+ backoff) and re-queue it at the back. While the
 * registry runs more streams to such an origin than the browser has connections, the deadline
 * is neither armed nor fires; everywhere else (≤ 6 streams, https:, Node) it is kept.
 * Registry over pushable streams whose headers the test delivers, manual timers, no sleeps.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import {
  alwaysOnline,
  HANDSHAKE_TIMEOUT_MS,
  HandshakeTimeoutError,
  HTTP1_CONNECTIONS_PER_ORIGIN,
  MaterializerRegistry,
  serviceHealthRequest,
} from "react-submatview/core";
import { afterEach, describe, expect, test, vi } from "vitest";
import { HeaderedClient } from "../support/headered-client.js";
import { ManualTimers } from "../support/manual-timers.js";
import { ev } from "../support/pushable-client.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.unstubAllGlobals();
});

const LIMIT = HTTP1_CONNECTIONS_PER_ORIGIN;

/**
 * A registry running `count` streams to `baseUrl` (on a page: `document` defined, or in Node).
 * Stream 0's server sends the marker and a snapshot, then the stream drops: its resume (the
 * returned `orphan`) is a stream that never gets headers, an event or an error.
 */
async function orphanedResume(options: { baseUrl: string; count: number; page: boolean }) {
  if (options.page) vi.stubGlobal("document", {});
  const client = new HeaderedClient();
  const timers = new ManualTimers();
  const registry = new MaterializerRegistry({
    client,
    baseUrl: options.baseUrl,
    logger: { warn: () => {} },
    timers,
    retry: { random: () => 0, connectivity: alwaysOnline },
  });
  cleanups.push(() => registry.dispose());
  const acquire = (i: number) => {
    const lease = registry.acquire(serviceHealthRequest({ service: `s${i}` }));
    cleanups.push(() => lease.release({ evict: true }));
    return lease;
  };
  const leases = Array.from({ length: options.count }, (_, i) => acquire(i));
  for (let i = 0; i < options.count; i++) await client.next();
  const first = client.pushable.streams[0]!;
  client.headers(0, true);
  first.push(ev.register(5n, "n1", "s0-1"), ev.end(5n));
  await first.drained();
  const view = leases[0]!.materializer;
  expect(view.getSnapshot()).toMatchObject({ status: "live", index: 5n });
  first.fail(new ConnectError("connection dropped", Code.Unavailable));
  const orphan = await client.next();
  expect(orphan.request.Index).toBe(5n);
  return { client, timers, view, orphan, acquire };
}

describe("SPEC H6, M6: no handshake deadline while the browser may queue the stream", () => {
  test(`a page with more than ${LIMIT} streams to an http: origin: a resume without headers is not aborted`, async () => {
    const t = await orphanedResume({
      baseUrl: "http://consul.local:8500",
      count: LIMIT + 1,
      page: true,
    });
    t.timers.advance(10 * HANDSHAKE_TIMEOUT_MS);
    expect(t.orphan.aborted).toBe(false);
    expect(t.client.pushable.streams).toHaveLength(LIMIT + 2);
    expect(t.view.getSnapshot().error).not.toBeInstanceOf(HandshakeTimeoutError);
    // Still the stream: once the browser gives it a connection, its first event makes it live.
    t.orphan.push(ev.register(6n, "n2", "s0-2"));
    await t.orphan.drained();
    expect(t.view.getSnapshot()).toMatchObject({ status: "live", index: 6n, error: undefined });
  });

  test(`armed with ${LIMIT} streams, a deadline that lapses once more streams run does not abort`, async () => {
    const t = await orphanedResume({
      baseUrl: "http://consul.local:8500",
      count: LIMIT,
      page: true,
    });
    t.acquire(LIMIT);
    await t.client.next();
    t.timers.advance(HANDSHAKE_TIMEOUT_MS);
    expect(t.orphan.aborted).toBe(false);
    expect(t.view.getSnapshot().error).not.toBeInstanceOf(HandshakeTimeoutError);
  });

  test.each([
    [`a page with ${LIMIT} streams to an http: origin`, "http://consul.local:8500", LIMIT, true],
    [
      `a page with ${LIMIT + 1} streams to an https: origin`,
      "https://consul.local",
      LIMIT + 1,
      true,
    ],
    [
      `Node with ${LIMIT + 1} streams to an http: origin`,
      "http://consul.local:8500",
      LIMIT + 1,
      false,
    ],
  ] as const)(
    "%s: the deadline still aborts the resume (M2, M7)",
    async (_name, baseUrl, count, page) => {
      const t = await orphanedResume({ baseUrl, count, page });
      t.timers.advance(HANDSHAKE_TIMEOUT_MS - 1);
      expect(t.orphan.aborted).toBe(false);
      t.timers.advance(1);
      expect(t.orphan.aborted).toBe(true);
      await t.timers.scheduled(); // the M7 backoff of the second failure in a row
      expect(t.view.getSnapshot()).toMatchObject({ status: "reconnecting", index: 5n });
      expect(t.view.getSnapshot().error).toBeInstanceOf(HandshakeTimeoutError);
    },
  );
});
