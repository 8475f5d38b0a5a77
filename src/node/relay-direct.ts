/**
 * The relay's direct Subscribe path (SPEC L1–L3), taken by `serve()` for the Subscribe method
 * instead of connect-node's handler: a stream is a sink of its key's channel that writes each
 * item's frame — enveloped once per item and codec, shared by every stream — straight to its
 * HTTP response. Live items are pushed synchronously as the upstream delivers them; a snapshot
 * or a backlog goes out in a few large writes. A reader that stops reading stops being pushed
 * (its cursor stays where it is) and catches up on `drain`, so it stalls no other stream and
 * loses nothing.
 */
import type * as http from "node:http";
import type * as http2 from "node:http2";
import { toBinary, toJsonString } from "@bufbuild/protobuf";
import type { ConnectError } from "@connectrpc/connect";
import { type Event, EventSchema, type SubscribeRequest } from "../gen/index.js";
import { SUBSCRIBED_HEADER } from "../server/accepted-header.js";
import type { BufferItem } from "../server/event-buffer.js";
import type { RelayChannel, RelaySink } from "./relay-channel.js";
import {
  asConnectError,
  type DirectProtocol,
  envelope,
  readRequest,
  streamEnd,
} from "./relay-frames.js";
import { binaryFrame, jsonFrame } from "./relay-wire.js";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

/** What the relay lends its direct streams. Every function throws a `ConnectError` to refuse. */
export interface DirectHost {
  /** Counts the stream against the relay's limits; returns the release. */
  admit(req: Request): () => void;
  /** The key's channel, or `undefined` for a topic relayed one to one; returns the release. */
  acquire(request: SubscribeRequest): { channel: RelayChannel; release: () => void } | undefined;
  /** An unshared topic's upstream stream (ends with the upstream's error, or the relay's). */
  passThrough(request: SubscribeRequest, signal: AbortSignal): AsyncIterable<Event>;
}

/** Largest write of a catch-up (a snapshot or a slow reader's backlog). */
const BATCH_BYTES = 256 * 1024;

/** Serves one Subscribe request on `res`; resolves when the stream ended (never rejects). */
export async function serveDirect(
  host: DirectHost,
  protocol: DirectProtocol,
  req: Request,
  res: Response,
): Promise<void> {
  const stream = new DirectStream(protocol, res);
  try {
    stream.onEnd(host.admit(req));
    const request = await readRequest(req, protocol.json);
    if (stream.ended) return;
    const shared = host.acquire(request);
    if (!shared) return await stream.relay(host.passThrough(request, stream.signal));
    stream.onEnd(shared.release);
    const { channel } = shared;
    stream.onEnd(() => channel.detach(stream));
    const head = await channel.attach(request, stream.signal, stream);
    stream.attached();
    if (stream.ended) {
      channel.detach(stream);
      return;
    }
    stream.start(head);
  } catch (error) {
    stream.end(asConnectError(error));
  }
}

class DirectStream implements RelaySink {
  readonly #protocol: DirectProtocol;
  readonly #res: Response;
  /** Where frames go: the HTTP/2 stream itself, or the HTTP/1.1 response. */
  readonly #out: NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean };
  readonly #frame: (item: BufferItem) => Buffer;
  /** Aborts a wait for the channel (or an unshared upstream stream); dropped once attached. */
  #controller: AbortController | undefined = new AbortController();
  #cleanups: (() => void)[] = [];
  #cursor: BufferItem | undefined;
  #draining = false;
  #ended = false;
  #accepted = false;

  constructor(protocol: DirectProtocol, res: Response) {
    this.#protocol = protocol;
    this.#res = res;
    this.#out = "stream" in res ? res.stream : res;
    this.#frame = protocol.json ? jsonFrame : binaryFrame;
    // The client went away (or the connection died): release everything, write nothing.
    res.once("close", () => this.#finish());
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  /** Attached to its channel: nothing waits on the signal any more (a stream holds less). */
  attached(): void {
    if (!this.#ended) this.#controller = undefined;
  }

  get ended(): boolean {
    return this.#ended;
  }

  onEnd(cleanup: () => void): void {
    if (this.#ended) cleanup();
    else this.#cleanups.push(cleanup);
  }

  /** Accepted at `head`: the headers go out with the marker (SPEC M4), then what follows head. */
  start(head: BufferItem): void {
    this.#accept();
    this.#cursor = head;
    this.wake();
  }

  wake(): void {
    if (this.#draining || this.#ended || !this.#cursor) return;
    let item = this.#cursor.link.item;
    let first: Buffer | undefined;
    let batch: Buffer[] | undefined;
    let size = 0;
    while (item) {
      this.#cursor = item;
      if (item.error) {
        if (first) this.#write(batch ? Buffer.concat(batch) : first);
        this.end(asConnectError(item.error));
        return;
      }
      if (item.events.length > 0) {
        const frame = this.#frame(item);
        if (!first) first = frame;
        else {
          batch ??= [first];
          batch.push(frame);
        }
        size += frame.length;
        if (size >= BATCH_BYTES) {
          const ok = this.#write(batch ? Buffer.concat(batch) : first);
          first = batch = undefined;
          size = 0;
          if (!ok) return;
        }
      }
      item = item.link.item;
    }
    if (first) this.#write(batch ? Buffer.concat(batch) : first);
  }

  close(error: ConnectError): void {
    this.end(error);
  }

  /** An unshared topic: each upstream event encoded for this stream alone. */
  async relay(events: AsyncIterable<Event>): Promise<void> {
    for await (const event of events) {
      if (this.#ended) return;
      const payload = this.#protocol.json
        ? Buffer.from(toJsonString(EventSchema, event), "utf8")
        : toBinary(EventSchema, event);
      if (!this.#write(envelope(0, payload))) {
        await new Promise<void>((resolve) => {
          this.#out.once("drain", resolve);
          this.onEnd(resolve);
        });
      }
    }
    this.end(undefined);
  }

  /** Ends the stream with `error` (or success) in the protocol's way; idempotent. */
  end(error: ConnectError | undefined): void {
    if (this.#ended) return;
    const res = this.#res;
    const { frame, trailers } = streamEnd(this.#protocol, error);
    this.#finish();
    if (res.destroyed || res.writableEnded) return;
    if (!this.#accepted && trailers) {
      // gRPC's trailers-only response: the status in the headers, no body.
      // The status may carry an upstream error's metadata (its response's content type too):
      // this response's own content type wins.
      res.writeHead(200, { ...trailers, "content-type": this.#protocol.contentType });
      res.end();
      return;
    }
    this.#accept(false);
    if (frame) this.#out.write(frame);
    if (trailers) res.addTrailers(trailers);
    res.end();
  }

  #accept(marker = true): void {
    if (this.#accepted) return;
    this.#accepted = true;
    const res = this.#res;
    res.setHeader("content-type", this.#protocol.contentType);
    if (marker) res.setHeader(SUBSCRIBED_HEADER, "1");
    res.writeHead(200);
    // node:http buffers the head until the first write; node:http2 sends it in writeHead.
    if ("flushHeaders" in res) res.flushHeaders();
  }

  #write(chunk: Buffer): boolean {
    const out = this.#out;
    if (out.destroyed || out.writableEnded) {
      this.#finish();
      return false;
    }
    try {
      this.#accept(false);
      if (out.write(chunk)) return true;
    } catch {
      // A response that failed under us (it runs inside the upstream's delivery to every
      // stream of the key): this stream ends, the others and the upstream go on.
      this.#finish();
      return false;
    }
    this.#draining = true;
    out.once("drain", () => {
      this.#draining = false;
      this.wake();
    });
    return false;
  }

  /** Releases the stream's hold on its channel and limits; the response is left as it is. */
  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#cursor = undefined;
    this.#controller?.abort();
    const cleanups = this.#cleanups;
    this.#cleanups = [];
    for (const cleanup of cleanups) cleanup();
  }
}
