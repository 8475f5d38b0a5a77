// serve()'s protocol sniffing has an absolute deadline: a client that trickles the HTTP/2
// preface one byte at a time, each just inside the timeout, is still cut off when the deadline
// passes (slowloris), while a preface that completes in time is handed on.
import { once } from "node:events";
import * as net from "node:net";
import { afterEach, expect, test } from "vitest";
import { type SniffedProtocol, sniffPreface } from "../../src/node/sniff-preface.js";
import { ManualTimers } from "../support/manual-timers.js";

const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const open: net.Socket[] = [];
let server: net.Server | undefined;

afterEach(async () => {
  for (const socket of open.splice(0)) socket.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A loopback connection; resolves with both ends once the server side is sniffing. */
async function connection(
  timers: ManualTimers,
  timeoutMs: number,
  decided: (protocol: SniffedProtocol) => void = () => {},
) {
  server = net.createServer();
  const accepted = once(server, "connection") as Promise<[net.Socket]>;
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect(port, "127.0.0.1");
  client.on("error", () => {});
  const [socket] = await accepted;
  open.push(client, socket);
  sniffPreface(socket, timeoutMs, decided, timers);
  return { client, socket };
}

/** Writes `bytes` and resolves once the server side has read them. */
async function trickle(client: net.Socket, socket: net.Socket, bytes: string) {
  const arrived = once(socket, "data");
  client.write(bytes);
  await arrived;
}

test("a preface trickled inside every idle period is still cut off at the deadline", async () => {
  const timers = new ManualTimers();
  const { client, socket } = await connection(timers, 30_000);
  for (const byte of PREFACE.slice(0, 5)) {
    await trickle(client, socket, byte);
    timers.advance(20_000); // each byte comes 20 s after the last: inside a 30 s idle timeout
    if (socket.destroyed) break;
  }
  expect(socket.destroyed).toBe(true);
  expect(timers.pending).toBe(0);
});

test("a preface that completes before the deadline is handed on and leaves no timer", async () => {
  const timers = new ManualTimers();
  const decisions: string[] = [];
  const { client, socket } = await connection(timers, 30_000, (protocol) => {
    decisions.push(protocol);
  });
  await trickle(client, socket, PREFACE.slice(0, 10));
  timers.advance(29_000);
  await trickle(client, socket, PREFACE.slice(10));
  expect(decisions).toEqual(["h2"]);
  expect(socket.destroyed).toBe(false);
  expect(timers.pending).toBe(0);
});
