// Review of the server (SPEC S7, S5): what a revocation or a refresh must reach even when it
// lands while a stream is still being opened — its token being resolved, or its snapshot being
// built asynchronously.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { CatalogOp, SubscribeRequestSchema, Topic } from "react-submatview/gen";
import { type EventFilter, EventPublisher, type Subscription } from "react-submatview/server";
import { afterEach, describe, expect, test } from "vitest";
import { type Deferred, deferred } from "../support/deferred.js";
import {
  healthRequest,
  StreamReader,
  startTestServer,
  type TestServer,
} from "../support/server.js";

const signal = new AbortController().signal;

const request = (token = "t") =>
  create(SubscribeRequestSchema, {
    Topic: Topic.ServiceHealth,
    Token: token,
    Subject: { case: "NamedSubject", value: { Key: "web" } },
  });

const reg = (id: string, index: bigint) => ({
  index,
  payload: {
    case: "ServiceHealth" as const,
    value: { Op: CatalogOp.Register, CheckServiceNode: { Service: { ID: id, Service: "web" } } },
  },
});

/** Reads a subscription's events up to EndOfSnapshot, as `index:ID` / `index:EndOfSnapshot`. */
async function readSnapshot(sub: Subscription): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const item = await sub.next(signal);
    for (const event of item.events) {
      const p = event.Payload;
      seen.push(
        p.case === "ServiceHealth"
          ? `${event.Index}:${p.value.CheckServiceNode?.Service?.ID}`
          : `${event.Index}:${p.case}`,
      );
      if (p.case === "EndOfSnapshot") return seen;
    }
  }
}

describe("review: revocation while a stream opens (SPEC S7)", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test("SPEC S7: forceCloseToken while the token is being resolved ends that stream with Aborted", async () => {
    const asked = deferred();
    let answer: Deferred<EventFilter | null> | undefined;
    server = await startTestServer({
      authorizer: () => {
        answer = deferred<EventFilter | null>();
        asked.resolve();
        return answer.promise;
      },
    });
    server.catalog.register({ node: "n1", service: "web" });
    const reader = new StreamReader(server.client(), healthRequest("web", { Token: "t" }));
    const first = reader.next().then(
      (event) => `event ${event.Payload.case}`,
      (error: unknown) => `${Code[ConnectError.from(error).code]}`,
    );
    await asked.promise;
    // The token is revoked while its (old) policy is still being resolved.
    server.publisher.forceCloseToken("t");
    answer?.resolve(() => true);
    // Before the fix the stream opened with the revoked token's filter and streamed on.
    expect(await first).toBe("Aborted");
    reader.close();
    await server.publisher.idle();
    expect(server.publisher.stats().subscribers).toBe(0);
  }, 10_000);

  test("SPEC S7: forceCloseToken during resolution leaves other tokens' streams alone", async () => {
    const asked = deferred();
    let answer: Deferred<EventFilter | null> | undefined;
    server = await startTestServer({
      authorizer: () => {
        answer = deferred<EventFilter | null>();
        asked.resolve();
        return answer.promise;
      },
    });
    const reader = new StreamReader(server.client(), healthRequest("web", { Token: "other" }));
    const first = reader.next().then(
      (event) => `event ${event.Payload.case}`,
      (error: unknown) => `${Code[ConnectError.from(error).code]}`,
    );
    await asked.promise;
    server.publisher.forceCloseToken("t");
    answer?.resolve(() => true);
    expect(await first).toBe("event EndOfSnapshot");
    reader.close();
  }, 10_000);
});

describe("review: refreshTopic while a snapshot is built asynchronously (SPEC S7, S5)", () => {
  test("SPEC S7: a snapshot begun before refreshTopic is never cached for later subscribers", async () => {
    const publisher = new EventPublisher();
    let state = "old";
    const builds: Array<Deferred<void>> = [];
    publisher.registerTopic(Topic.ServiceHealth, async (_req, append) => {
      const seen = state; // the snapshot reads the state as it is now...
      const gate = deferred();
      builds.push(gate);
      await gate.promise; // ...and completes later
      append([reg(seen, seen === "old" ? 5n : 7n)]);
      return seen === "old" ? 5n : 7n;
    });

    const before = publisher.subscribe(request());
    // The server's state is restored: every stream of the topic must reset and the cache go.
    state = "new";
    publisher.refreshTopic(Topic.ServiceHealth);
    // A client resubscribes at once, before the closed stream has released its buffer.
    const after = publisher.subscribe(request());
    builds[0]!.resolve(); // the pre-refresh snapshot completes first
    builds[1]!.resolve();
    await expect(before.next(signal)).rejects.toMatchObject({ code: Code.Aborted });
    expect(await readSnapshot(after)).toEqual(["7:new", "7:EndOfSnapshot"]);
    before.unsubscribe();

    // A later subscriber, served from the cache, must see the refreshed state.
    const later = publisher.subscribe(request());
    builds[2]?.resolve();
    expect(await readSnapshot(later)).toEqual(["7:new", "7:EndOfSnapshot"]);
    after.unsubscribe();
    later.unsubscribe();
    expect(publisher.stats()).toEqual({ subscribers: 0, buffers: 0, cachedSnapshots: 0 });
  }, 10_000);
});
