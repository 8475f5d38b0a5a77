/**
 * SPEC P5 "Resume", M4, M6, M9: after a dropped connection the client resumes at its index and
 * the server sends no framing event; on a quiet subject nothing arrives at all. The package's
 * server flushes its headers (with SUBSCRIBED_HEADER) once it accepted the subscription, and the
 * view goes back to `live` with no error and the same state, without any new event. Real HTTP on
 * 127.0.0.1, per protocol; a second subscriber keeps the topic buffer so the resume is served.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { SUBSCRIBED_HEADER as CLIENT_HEADER } from "react-submatview/core";
import { SubscribeRequestSchema } from "react-submatview/gen";
import { SUBSCRIBED_HEADER as SERVER_HEADER } from "react-submatview/server";
import { afterEach, describe, expect, test } from "vitest";
import { healthRequest, type Protocol, startTestServer } from "../support/server.js";
import { ids, materialize, within } from "../support/web-materializer.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * The package's server with a keeper holding the subject's buffer (S4), then "web" registered:
 * the buffer's newest item is at the client's index, so its resume is served (S6). No snapshot
 * cache, so the client's snapshot is at that index too.
 */
async function quietServer() {
  const server = await startTestServer({ snapshotCacheTtlMs: 0 });
  cleanups.push(() => server.close());
  const keeper = server.publisher.subscribe(create(SubscribeRequestSchema, healthRequest("web")));
  cleanups.push(() => keeper.unsubscribe());
  server.catalog.register({ node: "n1", service: "web", id: "web-1" });
  return server;
}

// connect-node over HTTP/1.1 and h2c, gRPC over h2c, and connect-web over fetch (the browser path).
const paths: Protocol[] = [
  "connect",
  "connect-h2",
  "grpc-web",
  "grpc-web-h2",
  "grpc",
  "connect-fetch",
  "grpc-web-fetch",
];

describe("SPEC M4/M6/P5: a resumed stream on a quiet subject goes live again with no new event", () => {
  test.each(paths)("%s", { timeout: 15_000 }, async (protocol) => {
    const server = await quietServer();
    const m = materialize(server.transport(protocol));
    cleanups.push(m.stop);
    const before = await m.until((s) => s.status === "live");
    const value = before.value;
    expect(ids(before)).toEqual(["web-1"]);

    server.server.dropConnections();
    const dropped = await m.until((s) => s.status === "reconnecting");
    expect(dropped.error).toBeDefined();
    expect(dropped.index).toBe(before.index);

    // A blocking query at the current index, asked while reconnecting (microtasks after the
    // drop's notify, before any I/O of the resume): the resume must not answer it (M8).
    let answered = false;
    const query = new AbortController();
    cleanups.push(() => query.abort());
    const pending = m.materializer.fetch({ minIndex: before.index, signal: query.signal });
    pending.then(
      () => (answered = true),
      () => {},
    );

    const back = await m.until((s) => s.status === "live");
    // Same state: only status and error changed (M9); no reset, no new index.
    expect(back).not.toBe(dropped);
    expect(back.error).toBeUndefined();
    expect(back.index).toBe(before.index);
    expect(back.resets).toBe(0);
    expect(back.value).toBe(value);
    expect(m.requests.map((r) => r.Index)).toEqual([0n, before.index]);
    await Promise.resolve();
    expect(answered).toBe(false);
    // The header alone does not reset the retry count (M7): only an update, or a healthy while.
    expect(m.waiter.failures).toBe(1);

    // The resumed stream is really live: the next change arrives on it, and answers the query.
    const next = server.catalog.register({ node: "n2", service: "web", id: "web-2" });
    const result = await within(pending, 5_000, () => "the blocking query was not answered");
    expect(result.index).toBe(next);
    expect(result.error).toBeUndefined();
    expect(m.requests).toHaveLength(2);
    expect(m.waiter.failures).toBe(0);
    // It was a real resume (S6), not NewSnapshotToFollow: the view was never rebuilt.
    expect(m.materializer.getSnapshot()).toMatchObject({ index: next, resets: 0 });
    expect(m.states.every((s) => s.resets === 0)).toBe(true);
  });
});

test("SPEC M4: the server's and the client's SUBSCRIBED_HEADER are the same header", () => {
  expect(CLIENT_HEADER).toBe(SERVER_HEADER);
});

/** One Connect streaming request body: an uncompressed envelope around the request. */
function envelope(
  init: Parameters<typeof create<typeof SubscribeRequestSchema>>[1],
): Uint8Array<ArrayBuffer> {
  const message = toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, init));
  const body = new Uint8Array(5 + message.length);
  new DataView(body.buffer).setUint32(1, message.length);
  body.set(message, 5);
  return body;
}

describe("SPEC M4/P5: serve() flushes the headers once a subscription is accepted", () => {
  test("a quiet resume gets its headers (with the marker, exposed to browsers) and no event", {
    timeout: 10_000,
  }, async () => {
    const server = await quietServer();
    const index = server.catalog.index;
    const call = new AbortController();
    cleanups.push(() => call.abort());
    const response = await within(
      fetch(`${server.url}/subscribe.StateChangeSubscription/Subscribe`, {
        method: "POST",
        headers: { "content-type": "application/connect+proto", origin: "http://example.test" },
        body: envelope({ ...healthRequest("web"), Index: index }),
        signal: call.signal,
      }),
      5_000,
      () => "no response headers for an accepted, quiet resume",
    );
    expect(response.status).toBe(200);
    expect(response.headers.get(SERVER_HEADER)).toBe("1");
    const exposed = response.headers.get("access-control-expose-headers") ?? "";
    expect(exposed.split(/,\s*/)).toContain(SERVER_HEADER);
  });

  test("a rejected subscription has no marker", { timeout: 10_000 }, async () => {
    const server = await quietServer();
    const response = await fetch(`${server.url}/subscribe.StateChangeSubscription/Subscribe`, {
      method: "POST",
      headers: { "content-type": "application/connect+proto" },
      body: envelope({ Topic: healthRequest("web").Topic }), // no subject: InvalidArgument (S1)
    });
    expect(response.headers.has(SERVER_HEADER)).toBe(false);
    expect(new TextDecoder().decode(await response.arrayBuffer())).toContain("invalid_argument");
  });
});
