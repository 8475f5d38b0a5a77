// HealthCatalog transactions: indexes never collide with a reported snapshot index (SPEC P5,
// S6).
import { create } from "@bufbuild/protobuf";
import { SubscribeRequestSchema, Topic } from "react-submatview/gen";
import { EventPublisher, HealthCatalog, type InstanceSpec } from "react-submatview/server";
import { afterEach, describe, expect, test } from "vitest";
import {
  countSubscriptions,
  healthRequest,
  StreamReader,
  describe as show,
  startTestServer,
  type TestServer,
} from "../support/server.js";

let server: TestServer | undefined;
const readers: StreamReader[] = [];

function open(request: Parameters<typeof healthRequest>[1] & object = {}, service = "web") {
  if (!server) throw new Error("start the server first");
  const reader = new StreamReader(server.client(), healthRequest(service, request));
  readers.push(reader);
  return reader;
}

afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await server?.close();
  server = undefined;
});

const web = (n: number, extra: Partial<InstanceSpec> = {}): InstanceSpec => ({
  node: `node-${n}`,
  service: "web",
  id: `web-${n}`,
  ...extra,
});

describe("SPEC P5/S6: an empty catalog's snapshot index is never reused by a transaction", () => {
  test("resuming at the index of an empty snapshot still delivers the first registration", async () => {
    server = await startTestServer();
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
    server = await startTestServer();
    const list = new StreamReader(server.client(), {
      Topic: Topic.ServiceList,
      Subject: { case: "WildcardSubject", value: true },
    });
    readers.push(list);
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
});
