/**
 * Plays generated sequences (fuzz-model.ts) through a real Materializer and checks the
 * invariants of issue 7 item 2: the client resubscribes from exactly the index the model says
 * (0 after a fault or Aborted, the applied index after a retry), every published state is the
 * server's state at that index, one ProtocolError per faulted stream and only typed errors,
 * `run` never rejects, and it converges on the final good stream. `runInMemory` feeds decoded
 * events (fast, for the bulk); `runOverHttp` sends real bytes from the raw server to a registry
 * over a Connect transport, with a bystander key that must stay untouched.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import {
  Materializer,
  MaterializerRegistry,
  type MaterializerState,
  ProtocolError,
  RetryWaiter,
  type ServiceHealthResult,
  ServiceHealthView,
  type StreamClient,
  StreamEndedError,
  StreamResetError,
  serviceHealthRequest,
} from "react-submatview/core";
import {
  type Event,
  EventSchema,
  type SubscribeRequest,
  SubscribeRequestSchema,
  Topic,
} from "react-submatview/gen";
import { type BuiltStream, buildStream, History, type Sequence } from "./fuzz-model.js";
import { blockingLoop, keepStates } from "./fuzz-observers.js";
import { NaiveHealthView } from "./naive-view.js";
import { ev } from "./pushable-client.js";
import {
  envelope,
  type Frame,
  type RawEnding,
  type RawResponse,
  type RawServer,
} from "./raw-server.js";
import { mixedStates, recordStates, type Seen, waitForState } from "./reliability.js";

/** What one sequence did: streams played, faults the client had to detect, violations found. */
export interface RunReport {
  readonly streams: number;
  readonly protocolFaults: number;
  readonly wireFaults: number;
  /** Faults injected, by kind. */
  readonly kinds: Readonly<Record<string, number>>;
  /** Stream endings played (clean end, Aborted, Unavailable), by kind. */
  readonly endings: Readonly<Record<string, number>>;
  readonly violations: string[];
}

const noBackoff = { minFailures: Number.MAX_SAFE_INTEGER };

/** Plays `sequence` through a Materializer over an in-memory stream client. */
export async function runInMemory(sequence: Sequence): Promise<RunReport> {
  const history = new History(sequence.txs);
  const built: BuiltStream[] = [];
  const requests: bigint[] = [];
  const client: StreamClient = {
    subscribe(request, { signal }) {
      const stream = next(history, sequence, request, requests, built);
      return play(stream, signal);
    },
  };
  const materializer = new Materializer<ServiceHealthResult>({
    view: sequence.naive ? new NaiveHealthView() : new ServiceHealthView(),
    client,
    waiter: new RetryWaiter(noBackoff),
    request: (index) =>
      create(SubscribeRequestSchema, {
        Topic: Topic.ServiceHealth,
        Index: index,
        Subject: { case: "NamedSubject", value: { Key: "web" } },
      }),
  });
  const recorder = recordStates(materializer);
  const kept = keepStates(materializer);
  const controller = new AbortController();
  const loop = blockingLoop(materializer, controller.signal);
  const done = materializer.run(controller.signal).then(
    () => undefined,
    (error: unknown) => `run rejected: ${String(error)}`,
  );
  const final = await converge(materializer, history);
  controller.abort();
  recorder.stop();
  kept.stop();
  const violations = check(history, built, requests, recorder.seen, final);
  // States read long after they were published, and blocking answers, are never mixed either.
  violations.push(...mixedStates(kept.read(), history.states).map((v) => `read late: ${v}`));
  await loop.done;
  violations.push(...loop.problems);
  violations.push(...mixedStates(loop.answers, history.states).map((v) => `fetch: ${v}`));
  const rejected = await done;
  if (rejected) violations.push(rejected);
  return report(built, violations);
}

/** A raw server whose script each run replaces. */
export interface HttpTarget {
  readonly server: RawServer;
  script: (request: SubscribeRequest) => RawResponse;
}

/** Plays `sequence` from the raw server to a registry over `transport`. */
export async function runOverHttp(
  sequence: Sequence,
  target: HttpTarget,
  transport: Transport,
): Promise<RunReport> {
  const history = new History(sequence.txs);
  const built: BuiltStream[] = [];
  const requests: bigint[] = [];
  let bystanders = 0;
  target.script = (request) => {
    if (request.Subject.case === "NamedSubject" && request.Subject.value.Key === "api") {
      bystanders++;
      return {
        frames: [{ event: ev.register(3n, "x", "x") }, { event: ev.end(3n) }],
        ending: { hold: true },
      };
    }
    return toRaw(next(history, sequence, request, requests, built));
  };
  const registry = new MaterializerRegistry({ transport, idleTtlMs: 60_000, retry: noBackoff });
  try {
    const api = registry.acquire(serviceHealthRequest({ service: "api" }));
    const apiSeen = recordStates(api.materializer);
    await waitForState(api.materializer, (s) => s.index === 3n, "the bystander's snapshot");
    const web = registry.acquire(serviceHealthRequest({ service: "web" }));
    const recorder = recordStates(web.materializer);
    const final = await converge(web.materializer, history);
    recorder.stop();
    apiSeen.stop();
    const violations = check(history, built, requests, recorder.seen, final);
    const apiStates = apiSeen.seen.map((s) => `${s.index}:${s.ids}:${s.error?.name ?? ""}`);
    if (bystanders !== 1 || apiStates.join() !== "3:x:")
      violations.push(`bystander disturbed: ${bystanders} streams, states ${apiStates}`);
    registry.dispose();
    // Every stream of the run, bad ones included, is closed on both ends.
    await target.server.whenOpen(0).catch((error: unknown) => violations.push(String(error)));
    return report(built, violations);
  } finally {
    registry.dispose();
  }
}

/** The next stream: the sequence's plans first, then the final good stream. */
function next(
  history: History,
  sequence: Sequence,
  request: SubscribeRequest,
  requests: bigint[],
  built: BuiltStream[],
): BuiltStream {
  const n = requests.push(request.Index) - 1;
  const stream = buildStream(history, request.Index, sequence.streams[n] ?? null);
  built.push(stream);
  return stream;
}

async function converge(materializer: Materializer<ServiceHealthResult>, history: History) {
  try {
    return await waitForState(
      materializer,
      (s) => s.index === history.final || s.status === "failed",
      `convergence at ${history.final}`,
      3_000,
    );
  } catch (error) {
    return String(error);
  }
}

function check(
  history: History,
  built: readonly BuiltStream[],
  requests: readonly bigint[],
  seen: readonly Seen[],
  final: MaterializerState<ServiceHealthResult> | string,
): string[] {
  const violations = mixedStates(seen, history.states);
  const expected = [0n, ...built.slice(0, -1).map((s) => s.next)];
  if (expected.join() !== requests.join())
    violations.push(`resubscribed from [${requests}], the model says [${expected}]`);
  const faults = new Set(seen.map((s) => s.error).filter((e) => e instanceof ProtocolError));
  const wanted = built.filter((s) => s.fault).length;
  if (faults.size !== wanted)
    violations.push(`${faults.size} ProtocolErrors for ${wanted} faulted streams`);
  for (const { error } of seen) {
    const typed =
      error === undefined ||
      error instanceof ProtocolError ||
      error instanceof ConnectError ||
      error instanceof StreamEndedError ||
      error instanceof StreamResetError;
    if (!typed) violations.push(`untyped error ${error.name}: ${error.message}`);
  }
  if (typeof final === "string") violations.push(final);
  else if (final.status !== "live" || final.error)
    violations.push(`ended ${final.status} with ${final.error?.message}`);
  return violations;
}

function report(built: readonly BuiltStream[], violations: string[]): RunReport {
  const wire = built.filter((s) => s.items.some((item) => "wire" in item)).length;
  const kinds: Record<string, number> = {};
  const endings: Record<string, number> = {};
  for (const { kind, ending } of built) {
    if (kind) kinds[kind] = (kinds[kind] ?? 0) + 1;
    if (ending && ending !== "hold") endings[ending] = (endings[ending] ?? 0) + 1;
  }
  return {
    streams: built.length,
    protocolFaults: built.filter((s) => s.fault).length,
    wireFaults: wire,
    kinds,
    endings,
    violations,
  };
}

/** Decoded events of `stream`, then its ending, as connect-es would raise it. */
async function* play(stream: BuiltStream, signal: AbortSignal): AsyncGenerator<Event> {
  for (const item of stream.items) {
    if ("wire" in item) throw wireError(item.wire);
    yield create(EventSchema, item.event);
  }
  if (stream.ending === "hold") {
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve));
    throw new ConnectError("the operation was aborted", Code.Canceled);
  }
  if (stream.ending === "aborted") throw new ConnectError("client must reset state", Code.Aborted);
  if (stream.ending === "unavailable")
    throw new ConnectError("server restarting", Code.Unavailable);
}

/** The errors connect-es raises for the corrupted bytes `toRaw` sends (seen over HTTP). */
function wireError(kind: "garbled" | "truncated" | "badFlags"): ConnectError {
  if (kind === "truncated")
    return new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  if (kind === "garbled") return new ConnectError("parse binary: premature EOF", Code.Internal);
  return new ConnectError("received compressed envelope, but no compression", Code.Internal);
}

const valid = toBinary(EventSchema, create(EventSchema, ev.register(9n, "v", "v")));

/** The raw server's frames for `stream`: the same items, corrupted ones as real bytes. */
function toRaw(stream: BuiltStream): RawResponse {
  const frames: Frame[] = [];
  let ending: RawEnding = { ok: true };
  for (const item of stream.items) {
    if ("wire" in item) {
      if (item.wire === "garbled")
        frames.push({ message: new Uint8Array([0xff, 0xff, 0xff, 0xff]) });
      if (item.wire === "badFlags") frames.push({ bytes: envelope(0x01, valid) });
      if (item.wire === "truncated") {
        frames.push({ bytes: envelope(0, valid, valid.byteLength + 100) });
        ending = { cut: "end" };
      }
      return { frames, ending };
    }
    if (item.event.Payload === undefined) {
      // An unknown payload as a real server would send one: a field the schema does not know.
      const bytes = toBinary(EventSchema, create(EventSchema, item.event));
      frames.push({ message: new Uint8Array([...bytes, 0x98, 0x06, 0x01]) });
    } else frames.push({ event: item.event });
  }
  if (stream.ending === "hold") ending = { hold: true };
  if (stream.ending === "aborted")
    ending = { status: Code.Aborted, message: "client must reset state" };
  if (stream.ending === "unavailable") ending = { status: Code.Unavailable, message: "restarting" };
  return { frames, ending };
}
