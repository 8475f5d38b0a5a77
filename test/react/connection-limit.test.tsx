/**
 * SPEC H6: a stream a browser page starts beyond the 6 HTTP/1.1 connections of an `http:`
 * origin is queued by the browser; its view shows a ConnectionLimitError naming the fix
 * instead of loading forever, and the error clears with its first snapshot. (jsdom has a
 * `document`, as a page does; the same in real Chromium is test/browser/connection-limit.)
 */
import {
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
  test("the 7th and 8th views to an http: origin show a ConnectionLimitError; a snapshot clears it", async () => {
    const client = new PushableClient();
    registry = new MaterializerRegistry({
      client,
      baseUrl: "http://consul.local:8500",
      logger: quiet,
      timers: new ManualTimers(),
    });
    const leases = Array.from({ length: 8 }, (_, i) =>
      registry!.acquire(serviceHealthRequest({ service: `s${i}` })),
    );
    const errors = leases.map((l) => l.materializer.getSnapshot().error);
    expect(errors.slice(0, HTTP1_CONNECTIONS_PER_ORIGIN)).toEqual(Array(6).fill(undefined));
    for (const error of errors.slice(6)) {
      expect(error).toBeInstanceOf(ConnectionLimitError);
      expect(error?.message).toMatch(
        /http:\/\/consul\.local:8500 waits for a connection.*6 HTTP\/1\.1 connections per origin.*HTTP\/2.*share views/,
      );
    }
    expect(leases[6]?.materializer.getSnapshot().status).toBe("connecting");
    // Not terminal: when the browser lets the stream through, the snapshot clears the error.
    const seventh = client.streams[6]!;
    seventh.push(ev.register(3n, "n1", "s6-1"), ev.end(3n));
    await seventh.drained();
    expect(leases[6]?.materializer.getSnapshot()).toMatchObject({
      status: "live",
      error: undefined,
    });
  });

  test("https: origins and up to 6 streams get no error", () => {
    for (const [baseUrl, count] of [
      ["https://consul.local", 8],
      ["http://consul.local", 6],
    ] as const) {
      const local = new MaterializerRegistry({
        client: new PushableClient(),
        baseUrl,
        logger: quiet,
      });
      const leases = Array.from({ length: count }, (_, i) =>
        local.acquire(serviceHealthRequest({ service: `s${i}` })),
      );
      expect(leases.map((l) => l.materializer.getSnapshot().error)).toEqual(
        Array(count).fill(undefined),
      );
      local.dispose();
    }
  });
});
