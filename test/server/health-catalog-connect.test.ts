// HealthCatalog connect subjects (SPEC S5): when an instance leaves a ServiceHealthConnect
// subject (proxy destination change, connect-native off, a terminating gateway no longer
// linking a service), that subject gets a Deregister and its snapshots drop the instance
// (Consul's catalog_events.go: isConnectProxyDestinationServiceChange, gateway-services deletes).
import { Topic } from "react-submatview/gen";
import type { InstanceSpec } from "react-submatview/server";
import { describe, expect, test } from "vitest";
import { healthRequest, type StreamReader, describe as show } from "../support/server.js";
import { serverStreams } from "../support/server-streams.js";

const streams = serverStreams();

/** A ServiceHealthConnect stream (or a ServiceHealth one with `connect: false`) for `service`. */
function open(service: string, connect = true) {
  const topic = connect ? Topic.ServiceHealthConnect : Topic.ServiceHealth;
  return streams.open(healthRequest(service, { Topic: topic }));
}

/** The reader's next event, described; fails after 3 s (a missing event must not hang). */
async function next(reader: StreamReader | undefined): Promise<string> {
  if (!reader) throw new Error("no such reader");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("no event within 3 s")), 3_000);
  });
  try {
    return show(await Promise.race([reader.next(), deadline]));
  } finally {
    clearTimeout(timer);
  }
}

/** Opens the streams and reads their snapshots, so the next events they read are live. */
async function live(...services: string[]) {
  const streams = services.map((s) => open(s));
  await Promise.all(streams.map((s) => s.snapshot()));
  return streams;
}

/** A fresh snapshot of a connect subject (the snapshot cache dropped first). */
async function freshSnapshot(service: string) {
  streams.server?.publisher.refreshTopic(Topic.ServiceHealthConnect);
  const reader = open(service);
  const events = (await reader.snapshot()).map(show);
  reader.close();
  return events;
}

async function setup(instance: InstanceSpec) {
  const server = await streams.start();
  return { catalog: server.catalog, at: server.catalog.register(instance) };
}

const proxy: InstanceSpec = {
  node: "n1",
  service: "web-proxy",
  id: "p",
  kind: "connect-proxy",
  proxyDestination: "web",
};

describe("SPEC S5: an instance that leaves a connect subject is deregistered there", () => {
  test("a proxy whose destination changes leaves the old destination's connect subject", async () => {
    const { catalog } = await setup(proxy);
    const [web, api] = await live("web", "api");
    const at = catalog.register({ ...proxy, proxyDestination: "api" });
    expect(await next(web)).toBe(`${at}:dereg:p`);
    expect(await next(api)).toBe(`${at}:reg:p`);
    expect(await freshSnapshot("web")).toEqual([`${at}:EndOfSnapshot`]);
    expect(await freshSnapshot("api")).toEqual([`${at}:reg:p`, `${at}:EndOfSnapshot`]);
    expect(catalog.instances("web", { connect: true })).toEqual([]);
  }, 10_000);

  test("a proxy whose destination changes only in case stays registered (subjects ignore case)", async () => {
    const { catalog } = await setup(proxy);
    const [web] = await live("web");
    const at = catalog.register({ ...proxy, proxyDestination: "WEB" });
    expect(await next(web)).toBe(`${at}:reg:p`);
    expect(await freshSnapshot("web")).toEqual([`${at}:reg:p`, `${at}:EndOfSnapshot`]);
  }, 10_000);

  test("a proxy that stops being a proxy leaves its destination's connect subject", async () => {
    const { catalog } = await setup(proxy);
    const [web] = await live("web");
    const at = catalog.register({ ...proxy, kind: "", proxyDestination: undefined });
    expect(await next(web)).toBe(`${at}:dereg:p`);
    expect(await freshSnapshot("web")).toEqual([`${at}:EndOfSnapshot`]);
  }, 10_000);

  test("a service that stops being connect-native leaves its connect subject", async () => {
    const native: InstanceSpec = { node: "n2", service: "api", connectNative: true };
    const { catalog } = await setup(native);
    const [connect] = await live("api");
    const health = open("api", false);
    await health.snapshot();
    const at = catalog.register({ ...native, connectNative: false });
    expect(await next(connect)).toBe(`${at}:dereg:api`);
    // On the plain health subject it is an update, not a removal.
    expect(show(await health.next())).toBe(`${at}:reg:api`);
    expect(await freshSnapshot("api")).toEqual([`${at}:EndOfSnapshot`]);
    // And it comes back when it turns connect-native again (a new stream: the fresh snapshot
    // above force-closed the old ones).
    const [back] = await live("api");
    const again = catalog.register(native);
    expect(await next(back)).toBe(`${again}:reg:api`);
  }, 10_000);

  test("a terminating gateway that stops linking a service leaves that service's connect subject", async () => {
    const gateway: InstanceSpec = {
      node: "n3",
      service: "tgw",
      kind: "terminating-gateway",
      gatewayServices: ["web", "db"],
    };
    const { catalog } = await setup(gateway);
    const [web, db, cache] = await live("web", "db", "cache");
    const at = catalog.register({ ...gateway, gatewayServices: ["db", "cache"] });
    expect(await next(web)).toBe(`${at}:dereg:tgw`);
    expect(await next(db)).toBe(`${at}:reg:tgw`);
    expect(await next(cache)).toBe(`${at}:reg:tgw`);
    expect(await freshSnapshot("web")).toEqual([`${at}:EndOfSnapshot`]);
    expect(await freshSnapshot("db")).toEqual([`${at}:reg:tgw`, `${at}:EndOfSnapshot`]);
  }, 10_000);

  test("a gateway listing one service twice (any case) sends one event per subject", async () => {
    const gateway: InstanceSpec = {
      node: "n3",
      service: "tgw",
      kind: "terminating-gateway",
      gatewayServices: ["web", "Web", "WEB"],
    };
    const server = await streams.start();
    const { catalog } = server;
    const [web] = await live("web");
    const at = catalog.register(gateway);
    expect(await next(web)).toBe(`${at}:reg:tgw`);
    const gone = catalog.register({ ...gateway, gatewayServices: [] });
    expect(await next(web)).toBe(`${gone}:dereg:tgw`);
    expect(catalog.instances("web", { connect: true })).toEqual([]);
  }, 10_000);

  test("the old subject's Deregister and the new subject's Register share one transaction", async () => {
    const { catalog } = await setup(proxy);
    const [web] = await live("web");
    let at = 0n;
    catalog.transaction((tx) => {
      tx.register({ ...proxy, proxyDestination: "api" });
      tx.register({ node: "n9", service: "web", id: "w", connectNative: true });
    });
    at = catalog.index;
    expect(await next(web)).toBe(`${at}:batch[${at}:dereg:p,${at}:reg:w]`);
  }, 10_000);
});
