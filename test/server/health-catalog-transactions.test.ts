// HealthCatalog transactions: indexes never collide with a reported snapshot index (SPEC P5,
// S6) and a transaction is all-or-nothing (SPEC S3, S5).
import { create } from "@bufbuild/protobuf";
import { SubscribeRequestSchema, Topic } from "react-submatview/gen";
import {
  EventPublisher,
  HealthCatalog,
  type InstanceSpec,
  type PublishEvent,
} from "react-submatview/server";
import { describe, expect, test } from "vitest";
import { countSubscriptions, healthRequest, describe as show } from "../support/server.js";
import { serverStreams } from "../support/server-streams.js";

const streams = serverStreams();

function open(request: Parameters<typeof healthRequest>[1] & object = {}, service = "web") {
  return streams.open(healthRequest(service, request));
}

const web = (n: number, extra: Partial<InstanceSpec> = {}): InstanceSpec => ({
  node: `node-${n}`,
  service: "web",
  id: `web-${n}`,
  ...extra,
});

const ids = (catalog: HealthCatalog, service = "web") =>
  catalog.instances(service).map((n) => `${n.Service?.ID}=${n.Checks[0]?.Status}`);

describe("SPEC P5/S6: an empty catalog's snapshot index is never reused by a transaction", () => {
  test("resuming at the index of an empty snapshot still delivers the first registration", async () => {
    const server = await streams.start();
    const { catalog, publisher } = server;
    const opened = countSubscriptions(publisher);
    const holder = open();
    const [end] = await holder.snapshot();
    expect(end?.Payload.case).toBe("EndOfSnapshot");
    const snapshotIndex = end?.Index ?? 0n;
    expect(snapshotIndex).toBe(1n); // P5: an empty snapshot is reported at 1, never 0
    catalog.register(web(1));
    const live = await holder.next();
    // A client that saw only the snapshot resumes at its index while the buffer is held.
    const resumed = open({ Index: snapshotIndex });
    await opened(2);
    catalog.register(web(2)); // a sentinel: the resumed stream reads until it arrives
    const seen = (await resumed.readUntil((e) => show(e).includes("web-2"))).map(show);
    expect(seen.some((e) => e.includes("reg:web-1"))).toBe(true);
    // P5: every live event after EndOfSnapshot@S has an index above S.
    expect(live.Index).toBeGreaterThan(snapshotIndex);
  }, 10_000);

  test("the ServiceList wildcard snapshot of an empty catalog is followed by higher indexes", async () => {
    const server = await streams.start();
    const list = streams.open({
      Topic: Topic.ServiceList,
      Subject: { case: "WildcardSubject", value: true },
    });
    expect((await list.snapshot()).map(show)).toEqual(["1:EndOfSnapshot"]);
    const index = server.catalog.register(web(1));
    expect(index).toBeGreaterThan(1n);
    expect(show(await list.next())).toBe(`${index}:reg:web`);
  }, 10_000);

  test("after an empty snapshot the catalog's index is 1 and its next transaction is 2", () => {
    const publisher = new EventPublisher();
    const catalog = new HealthCatalog(publisher);
    // The snapshot function runs synchronously inside subscribe().
    publisher.subscribe(create(SubscribeRequestSchema, healthRequest("web"))).unsubscribe();
    expect(catalog.index).toBe(1n);
    expect(catalog.register(web(1))).toBe(2n);
    expect(publisher.index).toBe(2n);
  });

  test("a snapshot of another topic on a shared publisher raises the catalog's next index too", () => {
    const publisher = new EventPublisher();
    // A user's own topic, registered before the catalog, snapshots empty at index 1.
    publisher.registerTopic(Topic.MeshConfig, () => 0n);
    const catalog = new HealthCatalog(publisher);
    publisher
      .subscribe(
        create(SubscribeRequestSchema, {
          Topic: Topic.MeshConfig,
          Subject: { case: "NamedSubject", value: { Key: "mesh" } },
        }),
      )
      .unsubscribe();
    expect(publisher.reportedIndex).toBe(1n);
    // Without the shared floor the catalog would try index 1, and the publisher refuses it.
    expect(catalog.register(web(1))).toBe(2n);
  });

  test("the catalog's datacenter defaults to its publisher's", () => {
    const catalog = new HealthCatalog(new EventPublisher({ datacenter: "eu-west" }));
    catalog.register(web(1));
    expect(catalog.instances("web")[0]?.Node?.Datacenter).toBe("eu-west");
  });
});

describe("SPEC S3/S5: a transaction is all-or-nothing", () => {
  test("a transaction that throws after one change leaves no trace, live or in snapshots", async () => {
    const server = await streams.start();
    const { catalog } = server;
    const base = catalog.register(web(1));
    const live = open();
    expect((await live.snapshot()).map(show)).toEqual([
      `${base}:reg:web-1`,
      `${base}:EndOfSnapshot`,
    ]);

    expect(() =>
      catalog.transaction((tx) => {
        tx.register(web(2));
        tx.setStatus("node-1", "web-1", "critical");
        tx.deregister("node-1", "web-1");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(catalog.index).toBe(base);
    expect(ids(catalog)).toEqual(["web-1=passing"]);
    expect(catalog.serviceNames()).toEqual(["web"]);

    // A fresh snapshot (no cache: a new subject reader of the same state) shows no trace.
    server.publisher.refreshTopic(Topic.ServiceHealth);
    const fresh = open();
    expect((await fresh.snapshot()).map(show)).toEqual([
      `${base}:reg:web-1`,
      `${base}:EndOfSnapshot`,
    ]);
    // The live subscriber's next event is the next real transaction, at the next index.
    const next = catalog.register(web(3));
    expect(next).toBe(base + 1n);
    expect(show(await fresh.next())).toBe(`${next}:reg:web-3`);
  }, 10_000);

  test("the live subscriber never sees events of a failed transaction", async () => {
    const server = await streams.start();
    const { catalog } = server;
    catalog.register(web(1));
    const live = open();
    await live.snapshot();
    expect(() =>
      catalog.transaction((tx) => {
        tx.register(web(2));
        tx.setStatus("node-404", "nope", "critical"); // throws: no such instance
      }),
    ).toThrow(/no instance/);
    // The instance the failed transaction registered does not exist for later transactions.
    expect(() => catalog.setStatus("node-2", "web-2", "critical")).toThrow(/no instance/);
    const next = catalog.register(web(3));
    expect(show(await live.next())).toBe(`${next}:reg:web-3`);
  }, 10_000);

  test("a failed deregistration keeps the instance, its indexes and its place in the order", () => {
    const catalog = new HealthCatalog(new EventPublisher());
    catalog.register(web(1));
    catalog.register(web(2));
    catalog.register(web(3));
    const before = catalog.instances("web");
    const order = catalog.specs();
    expect(() =>
      catalog.transaction((tx) => {
        tx.deregister("node-1", "web-1");
        tx.register(web(1, { service: "api" })); // a rename, then a failure
        throw new Error("abort");
      }),
    ).toThrow("abort");
    expect(catalog.instances("web")).toEqual(before);
    expect(catalog.instances("api")).toEqual([]);
    expect(catalog.specs()).toEqual(order);
    expect(catalog.serviceNames()).toEqual(["web"]);
  });

  test("a publish that fails leaves the catalog unchanged", () => {
    const publisher = new EventPublisher();
    const catalog = new HealthCatalog(publisher);
    catalog.register(web(1));
    const publish = publisher.publish.bind(publisher);
    publisher.publish = (_events: readonly PublishEvent[]) => {
      throw new Error("publisher refused");
    };
    expect(() => catalog.register(web(2))).toThrow("publisher refused");
    expect(() => catalog.deregister("node-1", "web-1")).toThrow("publisher refused");
    publisher.publish = publish;
    expect(ids(catalog)).toEqual(["web-1=passing"]);
    expect(catalog.index).toBe(1n);
    expect(catalog.register(web(2))).toBe(2n);
  });

  test("a nested transaction or a transaction object used after its end is refused", () => {
    const catalog = new HealthCatalog(new EventPublisher());
    expect(() => catalog.transaction(() => catalog.register(web(1)))).toThrow(/nested/);
    expect(catalog.index).toBe(0n);
    expect(catalog.instances("web")).toEqual([]);
    let escaped: Parameters<Parameters<HealthCatalog["transaction"]>[0]>[0] | undefined;
    catalog.transaction((tx) => {
      escaped = tx;
    });
    expect(() => escaped?.register(web(2))).toThrow(/finished/);
    expect(catalog.instances("web")).toEqual([]);
  });
});
