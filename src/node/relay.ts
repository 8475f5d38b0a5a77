/**
 * The relay (SPEC L1–L3): a `StateChangeSubscription` service that serves browsers from an
 * upstream subscribe server (Consul's servers, or another publisher or relay), with one
 * upstream stream per (topic, subject, token, partition, namespace, peer, datacenter) shared
 * by every downstream stream of that key.
 */
import type * as http from "node:http";
import type * as http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createClient,
  type HandlerContext,
  type ServiceImpl,
} from "@connectrpc/connect";
import { alwaysOnline } from "../core/connectivity.js";
import { RetryWaiter } from "../core/retry-waiter.js";
import type { StreamClient } from "../core/types.js";
import {
  type Event,
  StateChangeSubscription,
  type SubscribeRequest,
  SubscribeRequestSchema,
  type Topic,
} from "../gen/index.js";
import { acceptSubscription } from "../server/accepted-header.js";
import { wireEvent } from "../server/subscribe-service.js";
import type { Subscription } from "../server/subscription.js";
import { SHUTTING_DOWN_MESSAGE } from "../server/subscription.js";
import type { Timers } from "../server/types.js";
import { RelayChannel } from "./relay-channel.js";
import { type DirectHost, serveDirect } from "./relay-direct.js";
import { followUpstream } from "./relay-follower.js";
import { directProtocol } from "./relay-frames.js";
import type { RelayOptions, RelayStats } from "./relay-options.js";
import { defaultRelayTopics, type RelayTopic } from "./relay-topics.js";
import { plainEvent } from "./relay-wire.js";
import { remoteAddressKey } from "./remote-address.js";

export type { RelayOptions, RelayStats } from "./relay-options.js";

interface Entry {
  readonly channel: RelayChannel;
  readonly stop: AbortController;
  refs: number;
  timer: unknown;
}

const defaultTimers: Timers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const defaultClientId = (context: HandlerContext) =>
  context.values.get(remoteAddressKey) || undefined;

/**
 * Serve it with `serve({ server: relay })`. Notification contract per downstream stream: the
 * upstream's events at the upstream's indexes (L2); a fresh stream gets a snapshot of the
 * relay's state; a resume gets what followed from the relay's buffer, or `NewSnapshotToFollow`
 * and a snapshot; upstream `Aborted` ends the key's streams with `Aborted`; a terminal upstream
 * error ends the key's streams — that token's only — with the same code and message (L3).
 *
 * @example
 * ```ts
 * const relay = new Relay({ upstream: createConsulTransport({ servers: ["10.0.0.1:8300"] }) });
 * const server = await serve({ server: relay, host: "0.0.0.0", port: 8080 });
 * ```
 */
export class Relay {
  readonly service: ServiceImpl<typeof StateChangeSubscription>;
  readonly #client: StreamClient;
  readonly #entries = new Map<string, Entry>();
  readonly #clients = new Map<string, number>();
  readonly #passThrough = new Set<AbortController>();
  readonly #topics: ReadonlyMap<Topic, RelayTopic>;
  readonly #timers: Timers;
  readonly #options: RelayOptions;
  #downstream = 0;
  #closed = false;

  constructor(options: RelayOptions) {
    this.#options = options;
    const upstream = options.upstream;
    this.#client =
      "subscribe" in upstream ? upstream : createClient(StateChangeSubscription, upstream);
    this.#topics = options.topics ?? defaultRelayTopics;
    this.#timers = options.timers ?? defaultTimers;
    this.service = { subscribe: (request, context) => this.#subscribe(request, context) };
  }

  stats(): RelayStats {
    return {
      upstreamStreams: this.#entries.size + this.#passThrough.size,
      downstreamStreams: this.#downstream,
      clients: this.#clients.size,
    };
  }

  /** Ends every stream with "server is shutting down" (`Unavailable`) and closes upstream. */
  shutdown(): void {
    this.#closed = true;
    const error = new ConnectError(SHUTTING_DOWN_MESSAGE, Code.Unavailable);
    for (const entry of this.#entries.values()) this.#stop(entry, error);
    this.#entries.clear();
    for (const controller of this.#passThrough) controller.abort(error);
  }

  /**
   * Serves a Subscribe request without connect-node when it can (what `serve()` calls first):
   * the same streams, limits and errors as `service`, written as frames shared by every stream
   * of a key. Returns false for a request it leaves to the Connect handler (another method,
   * compression, a deadline, gRPC-web text, or a custom `clientId`, which reads a handler
   * context).
   */
  serveDirect(
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ): boolean {
    if (this.#options.clientId) return false;
    const protocol = directProtocol(req);
    if (!protocol) return false;
    void serveDirect(this.#direct, protocol, req, res);
    return true;
  }

  readonly #direct: DirectHost = {
    admit: (req) => this.#admit(req.socket.remoteAddress || undefined),
    acquire: (request) => {
      // The body may arrive after shutdown(): open nothing upstream then (SPEC S7).
      if (this.#closed) throw new ConnectError(SHUTTING_DOWN_MESSAGE, Code.Unavailable);
      const topic = this.#topics.get(request.Topic);
      if (!topic) return undefined;
      const key = channelKey(request);
      const entry = this.#acquire(key, request, topic);
      return { channel: entry.channel, release: () => this.#release(key, entry) };
    },
    passThrough: (request, signal) => this.#unshared(request, signal),
  };

  async *#subscribe(request: SubscribeRequest, context: HandlerContext): AsyncGenerator<Event> {
    const release = this.#admit((this.#options.clientId ?? defaultClientId)(context));
    try {
      const topic = this.#topics.get(request.Topic);
      if (topic) yield* this.#shared(request, context, topic);
      else yield* this.#unshared(request, context.signal);
    } finally {
      release();
    }
  }

  /** Counts a downstream stream of `client` against the limits; returns its release. */
  #admit(client: string | undefined): () => void {
    if (this.#closed) throw new ConnectError(SHUTTING_DOWN_MESSAGE, Code.Unavailable);
    const perClient = this.#options.maxStreamsPerClient ?? 200;
    if (client !== undefined) {
      const count = this.#clients.get(client) ?? 0;
      if (count >= perClient) {
        throw new ConnectError(
          `relay: too many streams from this client (limit ${perClient}); share views or raise maxStreamsPerClient`,
          Code.ResourceExhausted,
        );
      }
      this.#clients.set(client, count + 1);
    }
    this.#downstream++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#downstream--;
      if (client !== undefined) {
        const count = this.#clients.get(client)! - 1;
        if (count === 0) this.#clients.delete(client);
        else this.#clients.set(client, count);
      }
    };
  }

  async *#shared(
    request: SubscribeRequest,
    context: HandlerContext,
    topic: RelayTopic,
  ): AsyncGenerator<Event> {
    const key = channelKey(request);
    const entry = this.#acquire(key, request, topic);
    let subscription: Subscription | undefined;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      subscription?.unsubscribe();
      this.#release(key, entry);
    };
    // Released on abort even if the generator is parked in a `yield` that never completes.
    context.signal.addEventListener("abort", release, { once: true });
    try {
      // JSON serializers skip the pre-encoded (unknown) fields: those streams get plain events.
      const json = /json/i.test(context.requestHeader.get("content-type") ?? "");
      subscription = await entry.channel.open(request, context.signal);
      // A quiet resume has no event to show the client it is healthy: send the marker header.
      acceptSubscription(context);
      for (;;) {
        const item = await subscription.next(context.signal);
        // Live and snapshot items carry their wire event, encoded once for all streams.
        yield json ? plainEvent(item) : wireEvent(item, undefined)!;
      }
    } finally {
      context.signal.removeEventListener("abort", release);
      release();
    }
  }

  /** A topic the relay cannot share: one upstream stream per downstream stream. */
  async *#unshared(request: SubscribeRequest, signal: AbortSignal): AsyncGenerator<Event> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    this.#passThrough.add(controller);
    try {
      yield* this.#client.subscribe(request, { signal: controller.signal });
    } catch (error) {
      if (controller.signal.reason instanceof ConnectError) throw controller.signal.reason;
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#passThrough.delete(controller);
      controller.abort();
    }
  }

  #acquire(key: string, request: SubscribeRequest, topic: RelayTopic): Entry {
    let entry = this.#entries.get(key);
    if (!entry) {
      const created: Entry = {
        channel: new RelayChannel({
          topic,
          historySize: this.#options.historySize ?? 1024,
          resumeWaitMs: this.#options.resumeWaitMs ?? 2000,
          timers: this.#timers,
        }),
        stop: new AbortController(),
        refs: 0,
        timer: undefined,
      };
      entry = created;
      this.#entries.set(key, created);
      void followUpstream({
        client: this.#client,
        request,
        channel: created.channel,
        waiter: new RetryWaiter({
          timers: this.#timers,
          connectivity: alwaysOnline,
          ...this.#options.retry,
        }),
        signal: created.stop.signal,
        // A terminal error fails this key only; the next request starts afresh (SPEC R5).
        onTerminal: () => {
          if (this.#entries.get(key) === created) this.#entries.delete(key);
          this.#stop(created);
        },
        ...(this.#options.logger ? { logger: this.#options.logger } : {}),
      });
    }
    const limit = this.#options.maxStreamsPerKey ?? 20_000;
    if (entry.refs >= limit) {
      throw new ConnectError(
        `relay: too many streams for one subscription (limit ${limit}); raise maxStreamsPerKey or add relays`,
        Code.ResourceExhausted,
      );
    }
    if (entry.timer !== undefined) this.#timers.clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.refs++;
    return entry;
  }

  #release(key: string, entry: Entry): void {
    if (--entry.refs > 0 || this.#entries.get(key) !== entry) return;
    entry.timer = this.#timers.setTimeout(() => {
      entry.timer = undefined;
      if (entry.refs > 0 || this.#entries.get(key) !== entry) return;
      this.#entries.delete(key);
      this.#stop(entry);
    }, this.#options.idleTtlMs ?? 30_000);
  }

  #stop(entry: Entry, error?: ConnectError): void {
    if (entry.timer !== undefined) this.#timers.clearTimeout(entry.timer);
    entry.timer = undefined;
    if (error) entry.channel.close(error);
    entry.stop.abort();
  }
}

/**
 * The key of a request's upstream stream: every field but the index, in canonical protobuf
 * encoding (so the token, subject, partition, namespace, peer and datacenter all count). It
 * holds the token's bytes: it stays inside the relay, never in stats, logs or errors.
 */
function channelKey(request: SubscribeRequest): string {
  const bytes = toBinary(
    SubscribeRequestSchema,
    create(SubscribeRequestSchema, { ...request, Index: 0n }),
  );
  return Buffer.from(bytes).toString("latin1");
}
