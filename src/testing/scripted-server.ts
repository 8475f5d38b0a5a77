/**
 * The scriptable subscribe server (SPEC T2): an in-memory Connect router transport in front of a
 * `StateChangeSubscription` whose every stream is a {@link ScriptedStream} a test drives.
 */
import { Code, type Transport } from "@connectrpc/connect";
import type { ComponentType, ReactNode } from "react";
import type { MaterializedRequest, MaterializerRegistry } from "../core/index.js";
import { StateChangeSubscription, type Topic } from "../gen/index.js";
import { acceptSubscription } from "../server/accepted-header.js";
import { createTestRegistry, type TestRegistryOptions } from "./defaults.js";
import { createInMemoryTransport } from "./in-memory-transport.js";
import { ScriptedStream } from "./scripted-stream.js";
import { createWrapper } from "./wrapper.js";

/**
 * What to run on every subscription: a scenario reads the stream's request (and its
 * `attempt`) and scripts it. One scenario serves a render test and a story alike.
 */
export type Scenario = (stream: ScriptedStream) => void | Promise<void>;

/** Which subscription {@link ScriptedServer.next} waits for; every given field must match. */
export interface StreamMatch {
  readonly topic?: Topic;
  /** The subject key (service name), compared case-insensitively; `"*"` for a wildcard. */
  readonly subject?: string;
  /** Any other condition. */
  readonly where?: (stream: ScriptedStream) => boolean;
}

/** Options of {@link createScriptedServer}. */
export interface ScriptedServerOptions {
  /** Scripts every subscription as it opens (also recorded and returned by `next()`). */
  readonly scenario?: Scenario;
  /** Options of the server's test registry ({@link createTestRegistry}). */
  readonly registry?: TestRegistryOptions;
  /**
   * Whether streams accept their subscription with the `submatview-subscribed` response header,
   * as the package's `serve()` does (default true; see {@link ScriptedStream.accept}). `false`
   * behaves like a Consul server, which never sends it: a resumed stream with no event stays
   * `reconnecting` until its first event.
   */
  readonly acceptedHeader?: boolean;
}

/**
 * A subscribe server for one test or story, scripted step by step: `transport` is a real
 * Connect transport (an in-memory router), `registry` a test registry over it and `wrapper` a
 * provider for Testing Library's `render(ui, { wrapper })` and `renderHook`. Every subscription
 * the code under test opens is recorded in `streams`; `next()` waits for one.
 *
 * @example
 * ```tsx
 * const server = createScriptedServer();
 * render(<Health service="web" />, { wrapper: server.wrapper });
 * const stream = await server.next({ subject: "web" });
 * await stream.snapshot(10, [register({ node: "n1", service: "web" })]);
 * expect(await screen.findByText("n1")).toBeTruthy();
 * server.dispose();
 * ```
 */
export interface ScriptedServer {
  readonly transport: Transport;
  readonly registry: MaterializerRegistry;
  readonly wrapper: ComponentType<{ children?: ReactNode }>;
  /** Every subscription opened so far, oldest first. */
  readonly streams: readonly ScriptedStream[];
  /**
   * The next subscription matching `match` that `next()` has not returned yet: one already
   * recorded, or the next one to open. `match` may also be the request the component uses
   * (`serviceHealthRequest({ service: "web" })`): its topic and subject must match.
   */
  next(match?: StreamMatch | MaterializedRequest<unknown>): Promise<ScriptedStream>;
  /** Resolves once the client consumed every step sent on every open stream. */
  consumed(): Promise<void>;
  /**
   * Scripts every subscription opened from now on with `scenario` (MSW's `server.use`): set it
   * before rendering. Replaces the scenario given at creation.
   */
  use(scenario: Scenario): void;
  /** Subscriptions still open. */
  open(): ScriptedStream[];
  /** Disposes the registry (every stream ends); idempotent. */
  dispose(): void;
}

/** Creates a {@link ScriptedServer}; see there. */
export function createScriptedServer(options: ScriptedServerOptions = {}): ScriptedServer {
  const streams: ScriptedStream[] = [];
  const taken = new WeakSet<ScriptedStream>();
  const waiters: Array<{ match: StreamMatch; resolve: (s: ScriptedStream) => void }> = [];
  const attempts = new Map<string, number>();
  let scenario = options.scenario;

  const accept = (stream: ScriptedStream) => {
    streams.push(stream);
    const waiter = waiters.find((w) => matches(stream, w.match));
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1);
      taken.add(stream);
      waiter.resolve(stream);
    }
    const script = scenario;
    if (!script) return;
    // A scenario that throws (a script error) ends its stream with the message, visibly.
    void Promise.resolve()
      .then(() => script(stream))
      .catch((error: unknown) => stream.end(Code.Internal, `scenario failed: ${String(error)}`));
  };

  const acceptedHeader = options.acceptedHeader ?? true;
  const transport = createInMemoryTransport(({ service }) => {
    service(StateChangeSubscription, {
      subscribe(request, context) {
        const key = `${request.Topic}/${JSON.stringify(request.Subject.value ?? request.Key)}`;
        const attempt = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, attempt);
        const flush = acceptedHeader ? () => acceptSubscription(context) : undefined;
        const stream = new ScriptedStream(request, attempt, flush);
        accept(stream);
        return stream.run(context.signal);
      },
    });
  });
  const registry = createTestRegistry(transport, options.registry);
  let disposed = false;
  return {
    transport,
    registry,
    wrapper: createWrapper(registry),
    streams,
    next(request = {}) {
      const match = toMatch(request);
      const found = streams.find((s) => !taken.has(s) && matches(s, match));
      if (found) {
        taken.add(found);
        return Promise.resolve(found);
      }
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    use(next) {
      scenario = next;
    },
    open: () => streams.filter((s) => s.open),
    consumed: () => Promise.all(streams.map((s) => s.consumed())).then(() => undefined),
    dispose() {
      if (disposed) return;
      disposed = true;
      registry.dispose();
    },
  };
}

function toMatch(match: StreamMatch | MaterializedRequest<unknown>): StreamMatch {
  if (!("subscribeRequest" in match)) return match;
  const request = match.subscribeRequest(0n);
  const stream = new ScriptedStream(request, 0);
  return {
    topic: stream.topic,
    subject: stream.subject,
    where: (s) => s.peer === stream.peer && s.datacenter === stream.datacenter,
  };
}

function matches(stream: ScriptedStream, match: StreamMatch): boolean {
  if (match.topic !== undefined && stream.topic !== match.topic) return false;
  if (match.subject !== undefined && stream.subject.toLowerCase() !== match.subject.toLowerCase())
    return false;
  return match.where ? match.where(stream) : true;
}
