/**
 * Pushable streams that also keep their call options, so a test can deliver response headers
 * (with or without SUBSCRIBED_HEADER) as a Connect client does (SPEC M2, M4, M6).
 */
import {
  type StreamCallOptions,
  type StreamClient,
  SUBSCRIBED_HEADER,
} from "react-submatview/core";
import type { Event, SubscribeRequest } from "react-submatview/gen";
import { PushableClient, type PushableStream } from "./pushable-client.js";
import { within } from "./web-materializer.js";

export class HeaderedClient implements StreamClient {
  readonly pushable = new PushableClient();
  readonly options: StreamCallOptions[] = [];

  subscribe(request: SubscribeRequest, options: StreamCallOptions): AsyncIterable<Event> {
    this.options.push(options);
    return this.pushable.subscribe(request, options);
  }

  /** The next stream, within a bounded time (a regression fails, never hangs). */
  next(): Promise<PushableStream> {
    return within(this.pushable.next(), 2_000, () => "no new subscribe stream");
  }

  /** Delivers response headers to stream `n` (0-based), as a Connect client does. */
  headers(n: number, marked: boolean): void {
    const header = new Headers({ "content-type": "application/connect+proto" });
    if (marked) header.set(SUBSCRIBED_HEADER, "1");
    this.options[n]?.onHeader?.(header);
  }
}
