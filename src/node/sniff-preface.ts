/**
 * Protocol detection for `serve()`: reads a new connection's first bytes until they either are
 * the HTTP/2 connection preface or can no longer be (HTTP/1.x), and replays the bytes read to
 * the HTTP/2 session.
 */

import type * as net from "node:net";
import { Duplex } from "node:stream";
import type { Timers } from "../server/types.js";

/** RFC 9113 §3.4: every HTTP/2 connection with prior knowledge (h2c) opens with these bytes. */
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export type SniffedProtocol = "h1" | "h2";

/**
 * Reads from `socket` until its bytes decide the protocol, then calls `decided` with them (the
 * socket paused, nothing consumed beyond `head`). A preface split across TCP segments (even one
 * byte at a time) is still HTTP/2; any byte that departs from the preface means HTTP/1.x, so a
 * request whose first segment is "P" waits only for its second byte. A connection that ends,
 * fails or has not decided within `timeoutMs` of its start is destroyed and `decided` never
 * runs. The deadline is absolute, not an idle timeout: a client trickling one byte just inside
 * an idle timeout could otherwise hold the connection for 23 such periods (slowloris).
 */
export function sniffPreface(
  socket: net.Socket,
  timeoutMs: number,
  decided: (protocol: SniffedProtocol, head: Buffer) => void,
  timers: Timers = globalThis,
): void {
  let head: Buffer = Buffer.alloc(0);
  const deadline = timers.setTimeout(() => socket.destroy(), timeoutMs);
  (deadline as { unref?: () => void }).unref?.();
  const done = () => {
    socket.off("data", onData);
    socket.off("end", onEnd);
    timers.clearTimeout(deadline);
  };
  const onData = (chunk: Buffer) => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const length = Math.min(head.length, PREFACE.length);
    if (head.subarray(0, length).equals(PREFACE.subarray(0, length))) {
      if (head.length < PREFACE.length) return; // a prefix of the preface: wait for more
      done();
      socket.pause();
      decided("h2", head);
      return;
    }
    done();
    socket.pause();
    decided("h1", head);
  };
  const onEnd = () => {
    done();
    socket.destroy();
  };
  socket.on("data", onData);
  socket.once("end", onEnd);
  socket.once("close", done);
}

/**
 * The socket as a plain duplex stream that first yields `head`. HTTP/2 reads a real socket's
 * handle directly, so bytes already read (to sniff the preface) cannot be unshifted onto it.
 * Closing the duplex ends the socket gracefully (its last frames are flushed, then FIN) unless
 * it is destroyed with an error.
 */
export function replaySocket(socket: net.Socket, head: Buffer): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk, encoding, callback) {
      socket.write(chunk, encoding, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      if (error) socket.destroy(error);
      else if (!socket.destroyed) socket.destroySoon();
      callback(error);
    },
  });
  duplex.push(head);
  socket.on("data", (data: Buffer) => {
    if (!duplex.push(data)) socket.pause();
  });
  socket.on("end", () => duplex.push(null));
  socket.on("close", () => duplex.destroy());
  socket.on("error", (error) => duplex.destroy(error));
  return duplex;
}
