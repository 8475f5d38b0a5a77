/**
 * SPEC H6: a stream a browser page starts beyond the 6 HTTP/1.1 connections of an `http:`
 * origin is queued by the browser; its view shows a ConnectionLimitError naming the fix
 * instead of loading forever (after a short grace), and the error clears with its first
 * snapshot. (jsdom has a
 * `document`, as a page does; the same in real Chromium is test/browser/connection-limit.)
 */
import {
  CONNECTION_LIMIT_GRACE_MS,
  ConnectionLimitError,
  HTTP1_CONNECTIONS_PER_ORIGIN,
  MaterializerRegistry,
  serviceHealthRequest,
} from "react-submatview";
import { afterEach, describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient } from "../support/pushable-client.js";

let registry: MaterializerRegistry | undefined;
afterEach(() => registry?.dispose());

const quiet = { warn: () => {} };

describe("SPEC H6: streams beyond the browser's HTTP/1.1 connections", () => {
  test("8 views to an http: origin: those still without a snapshot after the grace show a ConnectionLimitError; a snapshot clears it", async () => {
    const client = new PushableClient();
    const timers = new ManualTimers();
    registry = new MaterializerRegistry({
      client,
      baseUrl: "http://consul.local:8500",
      logger: quiet,
      timers,
    });
    const leases = Array.from({ length: 8 }, (_, i) =>
      registry!.acquire(serviceHealthRequest({ service: `s${i}` })),
    );
    const errorOf = (i: number) => leases[i]?.materializer.getSnapshot().error;
    // The browser picks which requests wait (not necessarily the last ones): here 2 and 5.
    for (const i of [0, 1, 3, 4, 6, 7]) {
      const stream = client.streams[i]!;
      stream.push(ev.register(3n, "n1", `s${i}-1`), ev.end(3n));
      await stream.drained();
    }
    expect(leases.map((_, i) => errorOf(i))).toEqual(Array(8).fill(undefined));
    timers.advance(CONNECTION_LIMIT_GRACE_MS);
    const stalled = leases.flatMap((_, i) => (errorOf(i) ? [i] : []));
    expect(stalled).toEqual([2, 5]);
    for (const i of stalled) {
      expect(errorOf(i)).toBeInstanceOf(ConnectionLimitError);
      expect(errorOf(i)?.message).toMatch(
        /no response yet from http:\/\/consul\.local:8500, and this page runs 8 streams to it: .*6 HTTP\/1\.1 connections per origin.*HTTP\/2.*share views/,
      );
      expect(leases[i]?.materializer.getSnapshot()).toMatchObject({ status: "connecting" });
    }
    // Not terminal: when the browser lets a stream through, its snapshot clears the error.
    const late = client.streams[2]!;
    late.push(ev.register(4n, "n1", "s2-1"), ev.end(4n));
    await late.drained();
    expect(leases[2]?.materializer.getSnapshot()).toMatchObject({
      status: "live",
      error: undefined,
    });
  });

  test("no error on https: origins, up to 6 streams, or after the registry is disposed", () => {
    for (const [baseUrl, count] of [
      ["https://consul.local", 8],
      ["http://consul.local", HTTP1_CONNECTIONS_PER_ORIGIN],
      ["http://consul.local", 8],
    ] as const) {
      const timers = new ManualTimers();
      const local = new MaterializerRegistry({
        client: new PushableClient(),
        baseUrl,
        logger: quiet,
        timers,
      });
      const leases = Array.from({ length: count }, (_, i) =>
        local.acquire(serviceHealthRequest({ service: `s${i}` })),
      );
      if (count === 8 && baseUrl.startsWith("http:")) local.dispose();
      timers.advance(CONNECTION_LIMIT_GRACE_MS);
      expect(leases.map((l) => l.materializer.getSnapshot().error)).toEqual(
        Array(count).fill(undefined),
      );
      expect(timers.pending).toBe(0);
      local.dispose();
    }
  });
});
