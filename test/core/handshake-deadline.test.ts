/**
 * SPEC M2, M6, M7, R6: the handshake deadline. connect-node 2.1 takes an HTTP/2 stream closed
 * with NO_ERROR before its response for no error and waits forever (connect-es #1678; found by
 * the fault soak as an orphaned stream). Once the server sent SUBSCRIBED_HEADER, a stream that
 * gets no headers, event or error within the deadline is aborted and retried from the index,
 * keeping the view; against a server that never sent the marker (Consul) nothing is armed.
 * Unit tests: pushable streams whose headers the test delivers, manual timers, no sleeps.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  alwaysOnline,
  HANDSHAKE_TIMEOUT_MS,
  HandshakeTimeoutError,
  Materializer,
  MaterializerRegistry,
  RetryWaiter,
  type ServiceHealthResult,
  ServiceHealthView,
  serviceHealthRequest,
} from "react-submatview/core";
import { SubscribeRequestSchema } from "react-submatview/gen";
import { afterEach, describe, expect, test } from "vitest";
import { HeaderedClient } from "../support/headered-client.js";
import { ManualTimers } from "../support/manual-timers.js";
import { ev } from "../support/pushable-client.js";
import { healthRequest } from "../support/server.js";
import { within } from "../support/web-materializer.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function start(options: { handshakeTimeoutMs?: number } = {}) {
  const client = new HeaderedClient();
  const timers = new ManualTimers();
  const waiterTimers = new ManualTimers();
  const waiter = new RetryWaiter({
    timers: waiterTimers,
    random: () => 0,
    connectivity: alwaysOnline,
  });
  const materializer = new Materializer<ServiceHealthResult>({
    view: new ServiceHealthView(),
    client,
    timers,
    waiter,
    ...options,
    request: (index) => create(SubscribeRequestSchema, healthRequest("web", { Index: index })),
  });
  const controller = new AbortController();
  const done = materializer.run(controller.signal);
  const stop = () => {
    controller.abort();
    return within(done, 2_000, () => "run did not end after its signal aborted");
  };
  cleanups.push(stop);
  return { client, timers, waiterTimers, waiter, materializer, stop };
}

/** A first stream (headers as given) with a snapshot at 5, then dropped: the resume opens. */
async function liveThenDropped(t: ReturnType<typeof start>, marked: boolean) {
  const first = await t.client.next();
  t.client.headers(0, marked);
  first.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
  await first.drained();
  expect(t.materializer.getSnapshot()).toMatchObject({ status: "live", index: 5n });
  first.fail(new ConnectError("connection dropped", Code.Unavailable));
  const resumed = await t.client.next();
  expect(resumed.request.Index).toBe(5n);
  return resumed;
}

describe("SPEC M2/M6: a stream its server never answers is aborted once the server is known to send the marker", () => {
  test("the deadline aborts an unanswered resume; the view is kept and a new subscribe follows from the index (M7 backoff)", async () => {
    const t = start();
    const orphan = await liveThenDropped(t, true);
    const value = t.materializer.getSnapshot().value;
    // No headers, no event, no error: only the deadline can end it.
    t.timers.advance(HANDSHAKE_TIMEOUT_MS - 1);
    expect(orphan.aborted).toBe(false);
    const backoff = t.waiterTimers.scheduled();
    t.timers.advance(1);
    expect(orphan.aborted).toBe(true);
    await within(backoff, 2_000, () => "no backoff after the deadline");
    const state = t.materializer.getSnapshot();
    expect(state.status).toBe("reconnecting");
    expect(state.error).toBeInstanceOf(HandshakeTimeoutError);
    expect(state.index).toBe(5n);
    expect(state.value).toBe(value);
    expect(state.resets).toBe(0);
    // Second failure in a row: M7's first real wait (200 ms with zero jitter), then a resume.
    expect(t.waiter.failures).toBe(2);
    t.waiterTimers.advance(200);
    const retry = await t.client.next();
    expect(retry.request.Index).toBe(5n);
    // An event clears the deadline: nothing fires later, and the stream stays.
    retry.push(ev.register(6n, "n2", "web-2"));
    await retry.drained();
    expect(t.materializer.getSnapshot()).toMatchObject({ status: "live", index: 6n });
    t.timers.advance(10 * HANDSHAKE_TIMEOUT_MS);
    expect(retry.aborted).toBe(false);
    expect(t.timers.pending).toBe(0);
    expect(t.client.pushable.streams).toHaveLength(3);
  });

  test("a fresh stream is armed too, and headers clear its deadline", async () => {
    const t = start({ handshakeTimeoutMs: 1_000 });
    const first = await t.client.next();
    t.client.headers(0, true);
    // Aborted (M6 reset, silent): the next stream is fresh, at index 0.
    first.fail(new ConnectError("reset", Code.Aborted));
    const fresh = await t.client.next();
    expect(fresh.request.Index).toBe(0n);
    t.client.headers(1, true);
    t.timers.advance(5_000);
    expect(fresh.aborted).toBe(false);
    fresh.fail(new ConnectError("dropped", Code.Unavailable));
    await t.waiterTimers.scheduled();
    t.waiterTimers.advance(200);
    const orphan = await t.client.next();
    t.timers.advance(1_000);
    expect(orphan.aborted).toBe(true);
    await t.waiterTimers.scheduled();
    expect(t.materializer.getSnapshot().error).toBeInstanceOf(HandshakeTimeoutError);
  });

  test("R6: stopping clears an armed deadline", async () => {
    const t = start();
    const orphan = await liveThenDropped(t, true);
    expect(t.timers.pending).toBe(1);
    await t.stop();
    expect(orphan.aborted).toBe(true);
    expect(t.timers.pending).toBe(0);
  });
});

test("SPEC M2/M6: the registry's handshakeTimeoutMs reaches its materializers", async () => {
  const client = new HeaderedClient();
  const timers = new ManualTimers();
  const registry = new MaterializerRegistry({
    client,
    timers,
    handshakeTimeoutMs: 500,
    retry: { random: () => 0, connectivity: alwaysOnline },
  });
  cleanups.push(() => registry.dispose());
  const lease = registry.acquire(serviceHealthRequest({ service: "web" }));
  cleanups.push(() => lease.release({ evict: true }));
  const first = await client.next();
  client.headers(0, true);
  first.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
  await first.drained();
  first.fail(new ConnectError("connection dropped", Code.Unavailable));
  const orphan = await client.next();
  timers.advance(499);
  expect(orphan.aborted).toBe(false);
  timers.advance(1);
  expect(orphan.aborted).toBe(true);
  await timers.scheduled(); // the M7 backoff of the second failure in a row
  expect(lease.materializer.getSnapshot()).toMatchObject({ status: "reconnecting", index: 5n });
  expect(lease.materializer.getSnapshot().error).toBeInstanceOf(HandshakeTimeoutError);
});

describe("SPEC M2/M6: against a server that never sent the marker (Consul) nothing is armed", () => {
  test.each([
    ["no headers at all", false],
    ["headers without the marker on the first stream", true],
  ])("%s: a silent resume is never aborted", async (_name, withHeaders) => {
    const t = start();
    const first = await t.client.next();
    if (withHeaders) t.client.headers(0, false);
    first.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await first.drained();
    first.fail(new ConnectError("connection dropped", Code.Unavailable));
    const resumed = await t.client.next();
    expect(t.timers.pending).toBe(0);
    t.timers.advance(100 * HANDSHAKE_TIMEOUT_MS);
    expect(resumed.aborted).toBe(false);
    expect(t.client.pushable.streams).toHaveLength(2);
    // It is still the stream: its first event makes the view live.
    resumed.push(ev.register(6n, "n2", "web-2"));
    await resumed.drained();
    expect(t.materializer.getSnapshot()).toMatchObject({ status: "live", index: 6n, resets: 0 });
  });
});
