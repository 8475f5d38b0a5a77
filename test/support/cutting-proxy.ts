/**
 * A TCP proxy on 127.0.0.1 in front of a server port, for fault soaks: it forwards bytes both
 * ways (with backpressure, so a slow client still slows its stream down) and can cut every
 * connection in the middle of the next chunk the server sends, the way a network drop lands in
 * the middle of a message (a snapshot event, a batch) rather than between two.
 */
import type { AddressInfo } from "node:net";
import * as net from "node:net";

export interface CuttingProxy {
  readonly url: string;
  /** Cuts made so far (each one halves a chunk and destroys its connection pair). */
  readonly cuts: number;
  /** Arms a cut: the next server chunk of at least 2 bytes, on any connection, is halved. */
  cutNext(): void;
  /** Whether a cut is armed and not yet made. */
  readonly armed: boolean;
  /** Disarms a pending cut (nothing was sent meanwhile). */
  disarm(): void;
  /** Open client connections. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startCuttingProxy(targetPort: number): Promise<CuttingProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let armed = false;
  let cuts = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    const pair = { client, upstream };
    pairs.add(pair);
    const destroy = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", destroy).on("close", destroy);
    upstream.on("error", destroy).on("close", destroy);
    client.on("data", (chunk: Buffer) => {
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on("drain", () => client.resume());
    upstream.on("data", (chunk: Buffer) => {
      if (armed && chunk.length >= 2) {
        armed = false;
        cuts++;
        // Half the bytes reach the client, then the connection dies: a message cut mid-frame.
        client.write(chunk.subarray(0, chunk.length >> 1), () => destroy());
        upstream.destroy();
        return;
      }
      if (!client.write(chunk)) upstream.pause();
    });
    client.on("drain", () => upstream.resume());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get cuts() {
      return cuts;
    },
    get armed() {
      return armed;
    },
    get connections() {
      return pairs.size;
    },
    cutNext() {
      armed = true;
    },
    disarm() {
      armed = false;
    },
    close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
