// The registry's public snapshot API (SPEC E devtools, R1, R4): `inspectRegistry(registry)`
// (`getSnapshot` and `subscribe`, formerly `registry.inspect()` / `subscribeInspect`) reports
// every entry as plain data, live, and never carries a token.

import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type MaterializedRequest,
  MaterializerRegistry,
  serviceHealthRequest,
  serviceListRequest,
  tokenHash,
  type View,
} from "react-submatview/core";
import { inspectRegistry } from "react-submatview/devtools";
import {
  CatalogOp,
  type Event,
  ServiceListUpdateSchema,
  SubscribeRequestSchema,
  Topic,
} from "react-submatview/gen";
import { afterEach, describe, expect, test, vi } from "vitest";
import { nextChange, registryPerTest } from "../support/inspected-registry.js";
import { ev, PushableClient } from "../support/pushable-client.js";

const TOKEN = "s3cr3t-acl-token-7f3a9c21";

const setup = registryPerTest();
afterEach(() => {
  vi.useRealTimers();
});

/** The registry's entries now, as devtools see them. */
const inspect = (registry: MaterializerRegistry) => inspectRegistry(registry).getSnapshot();

describe("inspectRegistry(registry) (SPEC E devtools)", () => {
  test("one plain entry per request: topic, subject, subscribers, status, index, events applied, resets", async () => {
    const { client, registry } = setup();
    expect(inspect(registry)).toEqual([]);
    const lease = registry.acquire(serviceHealthRequest({ service: "web" }));
    const stream = await client.next();
    expect(inspect(registry)).toMatchObject([
      { topic: "ServiceHealth", subject: "web", subscribers: 1, status: "connecting", index: "0" },
    ]);
    stream.push(ev.register(5n, "n1", "web-1"), ev.register(5n, "n2", "web-2"), ev.end(5n));
    stream.push(ev.register(6n, "n3", "web-3"));
    await stream.drained();
    const [entry] = inspect(registry);
    expect(entry).toMatchObject({
      viewType: "service-health",
      topic: "ServiceHealth",
      subject: "web",
      hasToken: false,
      tokenHash: "anonymous",
      subscribers: 1,
      status: "live",
      index: "6",
      eventsApplied: 3,
      resets: 0,
      idleExpiresAt: null,
      lastError: null,
    });
    // Immutable and identity-stable until something changes (useSyncExternalStore's contract).
    expect(Object.isFrozen(inspect(registry))).toBe(true);
    expect(Object.isFrozen(entry)).toBe(true);
    expect(inspect(registry)).toBe(inspect(registry));
    // Exact for any uint64 (SPEC P4), and JSON-safe.
    stream.push(ev.register(18_446_744_073_709_551_615n, "n4", "web-4"));
    await stream.drained();
    expect(JSON.parse(JSON.stringify(inspect(registry)))[0].index).toBe("18446744073709551615");
    lease.release();
  });

  test("a wildcard ServiceList entry reads subject '*'; a second reader adds a subscriber", () => {
    const { registry } = setup();
    const a = registry.acquire(serviceListRequest());
    const b = registry.acquire(serviceListRequest());
    expect(inspect(registry)).toMatchObject([
      { topic: "ServiceList", subject: "*", subscribers: 2 },
    ]);
    b.release();
    expect(inspect(registry)[0]?.subscribers).toBe(1);
    a.release();
  });

  test("subscribe notifies live (once per task) as events arrive, resets happen and entries go (SPEC R4, H5)", async () => {
    const { client, timers, registry } = setup(30_000);
    const lease = registry.acquire(serviceHealthRequest({ service: "web" }));
    const stream = await client.next();
    let calls = 0;
    const stop = inspectRegistry(registry).subscribe(() => calls++);
    const changed = nextChange(inspectRegistry(registry));
    // A burst: a snapshot and three live events, already buffered → one notification.
    stream.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    stream.push(ev.register(6n, "n1", "web-1"), ev.register(7n, "n1", "web-1"));
    await stream.drained();
    await changed;
    expect(calls).toBe(1);
    expect(inspect(registry)[0]).toMatchObject({ index: "7", eventsApplied: 3 });

    // Aborted (a reset): the view is rebuilt from a fresh snapshot; resets counts it.
    const afterReset = nextChange(inspectRegistry(registry));
    stream.fail(new ConnectError("subscription closed by server", Code.Aborted));
    const again = await client.next();
    again.push(ev.register(9n, "n2", "web-2"), ev.end(9n));
    await again.drained();
    await afterReset;
    expect(inspect(registry)[0]).toMatchObject({ index: "9", resets: 1, eventsApplied: 4 });

    // Released: the idle TTL counts down from now; expiry removes the entry.
    vi.useFakeTimers({ toFake: ["Date"], now: 1_000_000 });
    lease.release();
    expect(inspect(registry)[0]).toMatchObject({
      subscribers: 0,
      idleTtlMs: 30_000,
      idleExpiresAt: 1_030_000,
    });
    const gone = nextChange(inspectRegistry(registry));
    timers.advance(30_000);
    await gone;
    expect(inspect(registry)).toEqual([]);
    stop();
  });

  test("nobody inspecting: no listener on any materializer; inspecting adds one per entry, unsubscribing removes them", async () => {
    const { client, registry } = setup();
    const lease = registry.acquire(serviceHealthRequest({ service: "web" }));
    await client.next();
    expect(registry.stats().listeners).toBe(0);
    const stop = inspectRegistry(registry).subscribe(() => {});
    expect(registry.stats().listeners).toBe(1);
    const other = registry.acquire(serviceHealthRequest({ service: "db" }));
    expect(registry.stats().listeners).toBe(2);
    stop();
    expect(registry.stats().listeners).toBe(0);
    other.release();
    lease.release();
  });

  test("with a token present, the token is in no snapshot, no JSON and no error message — only its hash (SPEC R1)", async () => {
    const { client, registry } = setup();
    const lease = registry.acquire(serviceHealthRequest({ service: "web", token: TOKEN }));
    const stream = await client.next();
    expect(stream.request.Token).toBe(TOKEN); // the server does get it
    stream.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await stream.drained();
    // A server that echoes the token in an error: the inspector shows it redacted.
    const failed = nextChange(inspectRegistry(registry));
    stream.fail(new ConnectError(`ACL not found for token ${TOKEN}`, Code.PermissionDenied));
    await failed;
    expect(inspect(registry)[0]?.status).toBe("failed");
    const [entry] = inspect(registry);
    expect(entry).toMatchObject({ hasToken: true, tokenHash: tokenHash(TOKEN) });
    expect(entry?.lastError).toContain("ACL not found for token [token]");
    const json = JSON.stringify(inspect(registry));
    expect(json).not.toContain(TOKEN);
    expect(json).toContain(tokenHash(TOKEN));
    expect(String(entry?.lastError)).not.toContain(TOKEN);
    lease.release();
  });

  test("attached late, it reports what happened before: events applied since creation, an idle TTL counting down (SPEC R4)", async () => {
    const { client, registry } = setup(30_000);
    vi.useFakeTimers({ toFake: ["Date"], now: 2_000_000 });
    const lease = registry.acquire(serviceHealthRequest({ service: "web" }));
    const stream = await client.next();
    stream.push(ev.register(5n, "n1", "web-1"), ev.register(5n, "n2", "web-2"), ev.end(5n));
    stream.push(ev.register(6n, "n3", "web-3"));
    await stream.drained();
    lease.release();
    // Nothing inspected the registry until now: the first look sees everything.
    expect(inspect(registry)).toMatchObject([
      { subject: "web", index: "6", eventsApplied: 3, subscribers: 0, idleExpiresAt: 2_030_000 },
    ]);
    // One inspection per registry: the same store (and so the same snapshot) every call.
    expect(inspectRegistry(registry)).toBe(inspectRegistry(registry));
    const other = new MaterializerRegistry({ client: new PushableClient() });
    expect(inspectRegistry(other)).not.toBe(inspectRegistry(registry));
    other.dispose();
  });

  test("a listener that unsubscribes and resubscribes itself while notified is called once per change, not again and again (SPEC H5)", async () => {
    const { client, registry } = setup();
    const inspection = inspectRegistry(registry);
    const lease = registry.acquire(serviceHealthRequest({ service: "web" }));
    const stream = await client.next();
    let calls = 0;
    // Bounded: it stops re-subscribing after 20 calls in one notification (else: a hang).
    const listener = () => {
      calls++;
      stop();
      if (calls < 20) stop = inspection.subscribe(listener);
    };
    let stop = inspection.subscribe(listener);
    const changed = nextChange(inspectRegistry(registry));
    stream.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await stream.drained();
    await changed;
    expect(calls).toBe(1);
    stop();
    lease.release();
  });

  test("a second copy of the devtools module does not cut the first inspection off; dispose leaves no listener of either (SPEC R6)", async () => {
    const { client, registry } = setup();
    const first = inspectRegistry(registry);
    const stopFirst = first.subscribe(() => {});
    const web = registry.acquire(serviceHealthRequest({ service: "web" }));
    await client.next();
    expect(web.materializer.listenerCount).toBe(1);
    // Another copy of react-submatview/devtools (two bundles, an app and an extension).
    vi.resetModules();
    const copy = (await import(
      "react-submatview/devtools"
    )) as typeof import("react-submatview/devtools");
    expect(copy.inspectRegistry).not.toBe(inspectRegistry);
    const stopSecond = copy.inspectRegistry(registry).subscribe(() => {});
    const db = registry.acquire(serviceHealthRequest({ service: "db" }));
    await client.next();
    expect(first.getSnapshot().map((entry) => entry.subject)).toEqual(["web", "db"]);
    // Both inspections watch the new entry.
    expect(db.materializer.listenerCount).toBe(2);
    registry.dispose();
    expect(web.materializer.listenerCount).toBe(0);
    expect(db.materializer.listenerCount).toBe(0);
    expect(first.getSnapshot()).toEqual([]);
    stopFirst();
    stopSecond();
  });

  test("eventsApplied counts events applied from the stream, not their replay when a non-atomic view is put back after a rejected batch (SPEC M5)", async () => {
    const { client, registry } = setup();
    const inspection = inspectRegistry(registry);
    const lease = registry.acquire(plainRequest);
    const stream = await client.next();
    stream.push(ev.register(5n, "n1", "a"), ev.register(5n, "n2", "b"), ev.end(5n));
    stream.push(ev.register(6n, "n3", "c"), ev.deregister(7n, "n1", "a"));
    await stream.drained();
    expect(inspection.getSnapshot()[0]?.eventsApplied).toBe(4);
    const failed = nextChange(inspectRegistry(registry));
    // A batch the view rejects half-way: its second event is not a health event.
    const serviceList = create(ServiceListUpdateSchema, { Op: CatalogOp.Register, Name: "x" });
    stream.push(
      ev.batch(8n, [
        ev.register(8n, "n4", "d"),
        { Index: 8n, Payload: { case: "Service", value: serviceList } },
      ]),
    );
    await failed;
    expect(lease.materializer.getSnapshot().value).toEqual(["b", "c"]);
    // The rejected batch left no trace (M5), and putting the view back applied nothing new.
    expect(inspection.getSnapshot()[0]?.eventsApplied).toBe(4);
    lease.release();
  });
});

/** A user view that is not all-or-nothing (no `atomicUpdates`): put back by replaying events. */
class PlainView implements View<readonly string[]> {
  readonly ids = new Set<string>();
  update(batch: readonly Event[]): void {
    for (const event of batch) {
      if (event.Payload.case !== "ServiceHealth") throw new Error("plain view: not a health event");
      const id = event.Payload.value.CheckServiceNode?.Service?.ID ?? "";
      if (event.Payload.value.Op === CatalogOp.Deregister) this.ids.delete(id);
      else this.ids.add(id);
    }
  }
  result(): readonly string[] {
    return [...this.ids].sort();
  }
  reset(): void {
    this.ids.clear();
  }
}

const plainRequest: MaterializedRequest<readonly string[]> = {
  key: "devtools-test/plain-view",
  viewType: "plain",
  subscribeRequest: (index) =>
    create(SubscribeRequestSchema, {
      Topic: Topic.ServiceHealth,
      Index: index,
      Subject: { case: "NamedSubject", value: { Key: "web" } },
    }),
  createView: () => new PlainView(),
};
