/**
 * Per-test set-up of the relay tests over real sockets (SPEC L1-L3): starts the relay world,
 * opens raw HTTP/2 sessions and stalled readers, and closes every session, reader and world after each test; plus
 * `take` (the next events of a reader) and `statusOf` (a raw stream's final gRPC status).
 */
import * as http2 from "node:http2";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { type Event, StateChangeSubscription } from "react-submatview/gen";
import { afterEach } from "vitest";
import { RawStream } from "../relay/support/raw-stream.js";
import { type RelayWorld, startRelayWorld } from "../relay/support/relay-world.js";
import { healthRequest, type StreamReader } from "./server.js";

/** Registers the afterEach clean-up; what it returns opens things the clean-up then closes. */
export function relayPerTest() {
  let world: RelayWorld | undefined;
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await world?.close();
    world = undefined;
  });
  /** startRelayWorld, closed after the test. */
  const start = async (...options: Parameters<typeof startRelayWorld>): Promise<RelayWorld> => {
    world = await startRelayWorld(...options);
    return world;
  };
  /** An HTTP/2 session to `url` (errors ignored), destroyed after the test. */
  const connect = (url: string): http2.ClientHttp2Session => {
    const session = http2.connect(url);
    session.on("error", () => {});
    cleanups.push(() => session.destroy());
    return session;
  };
  return {
    start,
    connect,
    /** A world started some other way, closed after the test. */
    adopt(started: RelayWorld): RelayWorld {
      world = started;
      return started;
    },
    /** Closes the readers after the test. */
    closeAfter(...readers: { close(): void }[]): void {
      for (const reader of readers) cleanups.push(() => reader.close());
    },
    /**
     * A world (relay options as startRelayWorld's) with one `web` instance, and a raw stream on
     * `web` over a new session that has read its snapshot and is then paused: HTTP/2 flow
     * control holds the relay's writes to it (SPEC L2). `onOpen` sees the stream first.
     */
    async stalledWeb(
      relayOptions: Parameters<typeof startRelayWorld>[0] = {},
      onOpen?: (slow: RawStream) => void,
    ) {
      const world = await start(relayOptions);
      const { catalog } = world.upstream;
      catalog.register({ node: "n1", service: "web", id: "web-1" });
      const session = connect(world.server.url);
      const slow = new RawStream(session, healthRequest("web"));
      onOpen?.(slow);
      await slow.waitFor(2); // its snapshot: one instance, EndOfSnapshot
      slow.stream.pause();
      return { world, catalog, session, slow };
    },
    /** Runs `cleanup` after the test, before the world closes. */
    cleanup(cleanup: () => void): void {
      cleanups.push(cleanup);
    },
  };
}

/** A Subscribe client speaking Connect JSON over h2c to `url`. */
export function connectJsonClient(url: string) {
  return createClient(
    StateChangeSubscription,
    createConnectTransport({ baseUrl: url, httpVersion: "2", useBinaryFormat: false }),
  );
}

/** The next `count` events of `reader`. */
export async function take(reader: StreamReader, count: number): Promise<Event[]> {
  const events: Event[] = [];
  while (events.length < count) events.push(await reader.next());
  return events;
}

/** The gRPC status a raw stream ends with (trailers, or trailers-only headers). */
export function statusOf(raw: RawStream): Promise<string | undefined> {
  return new Promise((resolve) => {
    let status: string | undefined;
    raw.stream.on("response", (h) => {
      if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
    });
    raw.stream.on("trailers", (t) => {
      status = String(t["grpc-status"]);
    });
    raw.stream.once("close", () => resolve(status));
  });
}
