/**
 * Connect's in-memory router transport, with one change: a handler can flush its response
 * headers before its first message, as `serve()` does over HTTP (SPEC T2, M4, P5 "Resume").
 */
import {
  Code,
  ConnectError,
  type ConnectRouter,
  createConnectRouter,
  createContextValues,
  type Transport,
} from "@connectrpc/connect";
import type {
  UniversalClientFn,
  UniversalClientResponse,
  UniversalHandler,
  UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import { createTransport } from "@connectrpc/connect/protocol-connect";
import { scheduleTask } from "../core/schedule-task.js";
import { flushHeadersKey } from "../server/accepted-header.js";

/**
 * Like `createRouterTransport` (same router, same Connect binary protocol), except that the
 * server side gets `flushHeadersKey`: a handler that calls `acceptSubscription(context)` sends
 * its headers (with the `submatview-subscribed` marker) to the client before any message. Connect's own
 * router transport cannot: its handler answers only with the first body bytes (`untilFirst`) and
 * its client passes no context values, so a quiet resumed stream never gets its headers there.
 */
export function createInMemoryTransport(routes: (router: ConnectRouter) => void): Transport {
  const router = createConnectRouter({ connect: true });
  routes(router);
  return createTransport({
    httpClient: inMemoryClient(router.handlers),
    baseUrl: "https://in-memory",
    useBinaryFormat: true,
    interceptors: [],
    acceptCompression: [],
    sendCompression: null,
    compressMinBytes: Number.MAX_SAFE_INTEGER,
    readMaxBytes: Number.MAX_SAFE_INTEGER,
    writeMaxBytes: Number.MAX_SAFE_INTEGER,
  });
}

type First =
  | { readonly kind: "response"; readonly response: UniversalServerResponse }
  | { readonly kind: "headers"; readonly header: Headers };

function inMemoryClient(handlers: readonly UniversalHandler[]): UniversalClientFn {
  const byPath = new Map(handlers.map((h) => [h.requestPath, h]));
  return async (request) => {
    const path = new URL(request.url).pathname;
    const handler = byPath.get(path);
    if (!handler)
      throw new ConnectError(`in-memory transport: no handler for ${path}`, Code.Unimplemented);
    const signal = request.signal ?? new AbortController().signal;
    let flushed!: (header: Headers) => void;
    const early = new Promise<First>((resolve) => {
      // As over a network, flushed headers reach the client in a later task: whatever the
      // client was doing in this one (publishing `reconnecting`) is seen first.
      flushed = (header) => {
        const sent = new Headers(header);
        scheduleTask(() => resolve({ kind: "headers", header: sent }));
      };
    });
    const response = handler({
      body: request.body ?? empty(),
      httpVersion: "2.0",
      method: request.method,
      url: request.url,
      header: request.header,
      signal,
      contextValues: createContextValues().set(flushHeadersKey, flushed),
    });
    // Once the headers went out early, nobody may await the handler (the client left first).
    response.catch(() => undefined);
    const first = await raceSignal(
      signal,
      Promise.race([response.then((r): First => ({ kind: "response", response: r })), early]),
    );
    if (first.kind === "response") return toClient(first.response, signal);
    // Headers flushed: answer now (status 200 is committed, as on the wire); the body follows
    // once the handler has its first message or its end (later header changes are not sent).
    return {
      status: 200,
      header: first.header,
      trailer: new Headers(),
      body: lateBody(response, signal),
    };
  };
}

function toClient(response: UniversalServerResponse, signal: AbortSignal): UniversalClientResponse {
  return {
    status: response.status,
    header: new Headers(response.header),
    trailer: new Headers(response.trailer),
    body: abortable(response.body ?? empty(), signal),
  };
}

async function* lateBody(
  response: Promise<UniversalServerResponse>,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const body = (await raceSignal(signal, response)).body;
  if (body) yield* abortable(body, signal);
}

/** The body as the router transport hands it out: each read ends when the client aborts. */
function abortable(
  body: AsyncIterable<Uint8Array>,
  signal: AbortSignal,
): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      const it = body[Symbol.asyncIterator]();
      const wrapped: AsyncIterator<Uint8Array> = { next: () => raceSignal(signal, it.next()) };
      // Connect's pipeline forwards an abort through throw/return when the source has them.
      if (it.throw) wrapped.throw = it.throw.bind(it);
      if (it.return) wrapped.return = it.return.bind(it);
      return wrapped;
    },
  };
}

async function* empty(): AsyncGenerator<Uint8Array> {}

/** `promise`, or a rejection with the signal's reason once it aborts (as the router transport). */
function raceSignal<T>(signal: AbortSignal, promise: Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(reason(signal));
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(reason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  });
}

function reason(signal: AbortSignal): unknown {
  return signal.reason ?? new ConnectError("operation was aborted", Code.Canceled);
}
