import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import * as node from "@connectrpc/connect-node";
import * as web from "@connectrpc/connect-web";
import {
  type Event,
  StateChangeSubscription,
  SubscribeRequestSchema,
  Topic,
} from "react-submatview/gen";
import { EventPublisher, type EventPublisherOptions, HealthCatalog } from "react-submatview/server";
import { type RunningServer, type ServeOptions, serve } from "react-submatview/server/node";

/**
 * How a test client reaches the server. The default ones run on `node:http` / `node:http2`
 * (connect-node), where aborting a call closes its request and the server sees it (SPEC S8):
 * - `connect`, `grpc-web`: HTTP/1.1; `connect-h2`, `grpc-web-h2`: h2c; `grpc`: gRPC over h2c.
 * - `connect-fetch`, `grpc-web-fetch`: connect-web over Node's fetch (undici), as a browser
 *   would. Whether an abort reaches the server then depends on undici's connection pool (it
 *   has been seen to keep the connection open, so the server never learned of the abort): do
 *   not use them in tests that count server-side streams.
 */
export type Protocol =
  | "connect"
  | "connect-h2"
  | "grpc-web"
  | "grpc-web-h2"
  | "grpc"
  | "connect-fetch"
  | "grpc-web-fetch";

/** Every protocol, for tests that run once per transport. */
export const protocols: readonly Protocol[] = [
  "connect",
  "connect-h2",
  "grpc-web",
  "grpc-web-h2",
  "grpc",
  "connect-fetch",
  "grpc-web-fetch",
];

/** A Connect transport to `baseUrl` over `protocol` (binary format). */
export function createTestTransport(baseUrl: string, protocol: Protocol = "connect"): Transport {
  const useBinaryFormat = true;
  switch (protocol) {
    case "connect":
      return node.createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat });
    case "connect-h2":
      return node.createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat });
    case "grpc-web":
      return node.createGrpcWebTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat });
    case "grpc-web-h2":
      return node.createGrpcWebTransport({ baseUrl, httpVersion: "2", useBinaryFormat });
    case "grpc":
      return node.createGrpcTransport({ baseUrl });
    case "connect-fetch":
      return web.createConnectTransport({ baseUrl, useBinaryFormat });
    case "grpc-web-fetch":
      return web.createGrpcWebTransport({ baseUrl, useBinaryFormat });
  }
}

export interface TestServer {
  readonly publisher: EventPublisher;
  readonly catalog: HealthCatalog;
  readonly server: RunningServer;
  readonly url: string;
  transport(protocol?: Protocol): Transport;
  client(protocol?: Protocol): Client<typeof StateChangeSubscription>;
  close(): Promise<void>;
}

/** The package's own Connect server on 127.0.0.1 over real HTTP, with a health catalog. */
export async function startTestServer(
  options: EventPublisherOptions = {},
  serveOptions: Omit<ServeOptions, "publisher"> = {},
): Promise<TestServer> {
  const publisher = new EventPublisher(options);
  const catalog = new HealthCatalog(publisher);
  const server = await serve({ ...serveOptions, publisher });
  const transport = (protocol: Protocol = "connect") => createTestTransport(server.url, protocol);
  return {
    publisher,
    catalog,
    server,
    url: server.url,
    transport,
    client: (protocol) => createClient(StateChangeSubscription, transport(protocol)),
    close: () => server.close(),
  };
}

export type RequestInit = MessageInitShape<typeof SubscribeRequestSchema>;

/** A health subscription request for `service` (named subject). */
export function healthRequest(service: string, init: RequestInit = {}): RequestInit {
  return {
    Topic: Topic.ServiceHealth,
    Subject: { case: "NamedSubject", value: { Key: service } },
    ...init,
  };
}

/**
 * One open stream, read event by event. Every read is awaited by the test, so nothing here
 * sleeps; `close()` aborts the call's signal (a `break` alone would not cancel it).
 */
export class StreamReader {
  readonly #abort = new AbortController();
  readonly #iterator: AsyncIterator<Event>;

  constructor(client: Client<typeof StateChangeSubscription>, request: RequestInit) {
    this.#iterator = client
      .subscribe(create(SubscribeRequestSchema, request), { signal: this.#abort.signal })
      [Symbol.asyncIterator]();
  }

  async next(): Promise<Event> {
    const result = await this.#iterator.next();
    if (result.done) throw new Error("stream ended");
    return result.value;
  }

  /** Reads events up to and including the first one that matches `until`. */
  async readUntil(until: (event: Event) => boolean): Promise<Event[]> {
    const events: Event[] = [];
    for (;;) {
      const event = await this.next();
      events.push(event);
      if (until(event)) return events;
    }
  }

  /** Reads the snapshot: everything up to and including EndOfSnapshot. */
  snapshot(): Promise<Event[]> {
    return this.readUntil((e) => e.Payload.case === "EndOfSnapshot");
  }

  close(): void {
    this.#abort.abort();
  }
}

/** A compact, comparable description of an event: `index:kind[:op:serviceID]`. */
export function describe(event: Event): string {
  const p = event.Payload;
  switch (p.case) {
    case "EventBatch":
      return `${event.Index}:batch[${p.value.Events.map(describe).join(",")}]`;
    case "ServiceHealth":
      return `${event.Index}:${p.value.Op === 0 ? "reg" : "dereg"}:${p.value.CheckServiceNode?.Service?.ID}`;
    case "Service":
      return `${event.Index}:${p.value.Op === 0 ? "reg" : "dereg"}:${p.value.Name}`;
    default:
      return `${event.Index}:${p.case}`;
  }
}

/**
 * Resolves once the publisher has opened `count` subscriptions in total, so a test can publish
 * only after the server has really subscribed (no polling, no sleeps).
 */
export function countSubscriptions(publisher: EventPublisher): (count: number) => Promise<void> {
  let opened = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const subscribe = publisher.subscribe.bind(publisher);
  publisher.subscribe = (request) => {
    const subscription = subscribe(request);
    opened++;
    for (const waiter of waiters.filter((w) => w.count <= opened)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    return subscription;
  };
  return (count) =>
    count <= opened
      ? Promise.resolve()
      : new Promise((resolve) => waiters.push({ count, resolve }));
}
