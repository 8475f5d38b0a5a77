// SPEC S1 and Consul's subscribe service: a request for another datacenter gets Consul's
// "No path to datacenter" (never this datacenter's data); ServiceList is wildcard-only.
import { Code, ConnectError } from "@connectrpc/connect";
import { type Event, Topic } from "react-submatview/gen";
import { NO_DC_PATH_MESSAGE } from "react-submatview/server";
import { describe, expect, test } from "vitest";
import {
  healthRequest,
  type RequestInit,
  type StreamReader,
  describe as show,
} from "../support/server.js";
import { serverStreams } from "../support/server-streams.js";

const streams = serverStreams();
const open = (request: RequestInit) => streams.open(request);

const failure = (reader: StreamReader) =>
  reader.next().then(
    (event: Event) => `event ${show(event)}`,
    (error: unknown) => {
      const e = ConnectError.from(error);
      return `${Code[e.code]}: ${e.rawMessage}`;
    },
  );

describe("Consul's ErrNoDCPath: a request for another datacenter", () => {
  test("is answered 'No path to datacenter' (Unknown), never with this datacenter's data", async () => {
    const server = await streams.start();
    server.catalog.register({ node: "n1", service: "web" });
    expect(await failure(open(healthRequest("web", { Datacenter: "dc2" })))).toBe(
      `Unknown: ${NO_DC_PATH_MESSAGE}`,
    );
    expect(NO_DC_PATH_MESSAGE).toBe("No path to datacenter");
    expect(server.publisher.stats()).toEqual({ subscribers: 0, buffers: 0, cachedSnapshots: 0 });
  });

  test("is checked before the token is resolved (Consul forwards before ACLs)", async () => {
    await streams.start({ authorizer: () => null });
    expect(await failure(open(healthRequest("web", { Datacenter: "dc2", Token: "x" })))).toBe(
      "Unknown: No path to datacenter",
    );
  });

  test("an empty Datacenter or this datacenter's name (default dc1) is served", async () => {
    const server = await streams.start();
    server.catalog.register({ node: "n1", service: "web", id: "web-1" });
    for (const Datacenter of ["", "dc1"]) {
      const reader = open(healthRequest("web", { Datacenter }));
      expect((await reader.snapshot()).map((e) => e.Payload.case)).toContain("EndOfSnapshot");
    }
  });

  test("the datacenter option names this datacenter", async () => {
    const server = await streams.start({ datacenter: "east" });
    expect(server.publisher.datacenter).toBe("east");
    expect(await failure(open(healthRequest("web", { Datacenter: "dc1" })))).toMatch(
      /No path to datacenter/,
    );
    const served = open(healthRequest("web", { Datacenter: "east" }));
    expect((await served.snapshot()).at(-1)?.Payload.case).toBe("EndOfSnapshot");
  });

  test("datacenter names compare exactly, as Consul's router does", async () => {
    await streams.start();
    expect(await failure(open(healthRequest("web", { Datacenter: "DC1" })))).toMatch(
      /No path to datacenter/,
    );
  });
});

describe("Consul: ServiceList can only be consumed using WildcardSubject", () => {
  test.each([
    [
      "a NamedSubject",
      {
        Topic: Topic.ServiceList,
        Subject: { case: "NamedSubject" as const, value: { Key: "web" } },
      },
    ],
    ["the deprecated top-level Key", { Topic: Topic.ServiceList, Key: "web" }],
  ])("%s is refused with InvalidArgument", async (_name, request) => {
    const server = await streams.start();
    server.catalog.register({ node: "n1", service: "web" });
    server.catalog.register({ node: "n1", service: "db" });
    expect(await failure(open(request))).toBe(
      "InvalidArgument: topic ServiceList can only be consumed using WildcardSubject",
    );
    expect(server.publisher.stats().subscribers).toBe(0);
  });

  test("the wildcard subscription still gets every service", async () => {
    const server = await streams.start();
    server.catalog.register({ node: "n1", service: "web" });
    const list = open({
      Topic: Topic.ServiceList,
      Subject: { case: "WildcardSubject", value: true },
    });
    expect((await list.snapshot()).map(show).slice(0, 1)).toEqual([
      expect.stringMatching(/:reg:web$/),
    ]);
  });
});
