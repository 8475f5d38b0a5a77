// A client connection whose first bytes reach the server one TCP segment at a time: for tests of
// serve()'s protocol sniffing (a preface or request line split across reads).

import * as net from "node:net";
import { Duplex } from "node:stream";

/**
 * Lets the server's event loop turn (the same process): on loopback a write is in the peer's
 * receive queue when `write()` returns, so after its callback and two loop turns the server has
 * read it, and the next byte arrives as a separate read.
 */
async function serverTurn(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Writes `data` byte by byte, letting the server read each byte on its own. */
export async function writeSplit(socket: net.Socket, data: Buffer | string): Promise<void> {
  const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
  for (const byte of bytes) {
    await new Promise<void>((resolve, reject) =>
      socket.write(Buffer.of(byte), (error) => (error ? reject(error) : resolve())),
    );
    await serverTurn();
  }
}

/**
 * A connection to `port` for `http.request` / `http2.connect` (`createConnection`): its first
 * `splitBytes` bytes go out one per segment, the rest as written.
 */
export function trickleConnection(port: number, splitBytes: number): Duplex {
  const socket = net.connect({ port, host: "127.0.0.1", noDelay: true });
  let remaining = splitBytes;
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      const split = chunk.subarray(0, remaining);
      remaining -= split.length;
      writeSplit(socket, split).then(
        () => socket.write(chunk.subarray(split.length), callback),
        callback,
      );
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  socket.on("data", (data: Buffer) => {
    if (!duplex.push(data)) socket.pause();
  });
  socket.on("end", () => duplex.push(null));
  socket.on("close", () => duplex.destroy());
  socket.on("error", (error) => duplex.destroy(error));
  return duplex;
}
