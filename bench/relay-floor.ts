/**
 * The floor of the relay benchmarks (issue 11): the cheapest Node fan-out of the same bytes — a
 * bare `node:http2` server (no compat layer, no Connect, no relay) that writes one pre-framed
 * gRPC message (5-byte envelope) per event to every stream of its key, then trailers. What it
 * costs per delivered event, and how many streams it holds, bound any Node relay on the machine.
 */
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { bodies, envelope, eventMessage } from "./relay-load.js";

export interface Floor {
  readonly url: string;
  /** Writes `frame` to every open stream of key `key`. */
  publish(key: number, frame: Buffer): void;
  /** Open streams. */
  readonly streams: number;
  close(): Promise<void>;
}

/** The enveloped event at `index` with `payload` (everything but the index, encoded). */
export const floorFrame = (index: bigint, payload: Uint8Array): Buffer =>
  envelope(eventMessage(index, payload));

export async function startFloor(host = "127.0.0.1", port = 0): Promise<Floor> {
  const keyOf = new Map(bodies.map((body, key) => [body.toString("latin1"), key]));
  const byKey = bodies.map(() => new Set<http2.ServerHttp2Stream>());
  let streams = 0;
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  server.on("stream", (stream, headers) => {
    if (headers[":path"] !== "/subscribe.StateChangeSubscription/Subscribe") {
      stream.respond({ ":status": 404 }, { endStream: true });
      return;
    }
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("end", () => {
      const key = keyOf.get(Buffer.concat(chunks).toString("latin1"));
      if (key === undefined || stream.destroyed) {
        stream.respond(
          { ":status": 200, "content-type": "application/grpc+proto", "grpc-status": "3" },
          { endStream: true },
        );
        return;
      }
      stream.respond({ ":status": 200, "content-type": "application/grpc+proto" });
      const set = byKey[key]!;
      set.add(stream);
      streams++;
      stream.once("close", () => {
        set.delete(stream);
        streams--;
      });
    });
    stream.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(port, host, () => resolve()));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    publish(key, frame) {
      for (const stream of byKey[key]!) stream.write(frame);
    },
    get streams() {
      return streams;
    },
    async close() {
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
