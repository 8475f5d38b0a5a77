/**
 * The "subscription accepted" response header (SPEC P5 "Resume", M4): a subscribe handler calls
 * {@link acceptSubscription} once it has validated and authorized a subscription, and an HTTP
 * adapter that can send headers before the first message (`serve()`) flushes them with a marker.
 * A resumed stream has no framing event, so on a quiet subject this is the client's only sign that
 * the stream is healthy again. No new event is sent: Consul's wire format is unchanged (P1).
 */
import { createContextKey, type HandlerContext } from "@connectrpc/connect";

/**
 * The marker header (value "1"). Keep in sync with `SUBSCRIBED_HEADER` in
 * `src/core/accepted-stream.ts` (a test checks it). Browsers read it only if CORS exposes it.
 */
export const SUBSCRIBED_HEADER = "submatview-subscribed";

/**
 * Set per request by an adapter that can write the response headers before the first message.
 * Connect's handlers commit headers with the first body bytes; without this key (Connect's router
 * transport, other adapters) nothing is flushed early and the client behaves as with Consul.
 */
export const flushHeadersKey = createContextKey<((header: Headers) => void) | undefined>(
  undefined,
  { description: "flush the response headers of a streaming call before its first message" },
);

/** The subscription is accepted: flush its response headers, with the marker, if the adapter can. */
export function acceptSubscription(context: HandlerContext): void {
  const flush = context.values.get(flushHeadersKey);
  if (!flush) return;
  context.responseHeader.set(SUBSCRIBED_HEADER, "1");
  flush(context.responseHeader);
}
