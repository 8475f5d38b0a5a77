/**
 * Ready scenarios (STYLE 13): each is a {@link Scenario} — defined once, used by a render test
 * (`createScriptedServer({ scenario })`) and by a story (`parameters.submatview.scenario`).
 */
import { Code } from "@connectrpc/connect";
import type { Event } from "../gen/index.js";
import { type IndexLike, instances, register } from "./events.js";
import type { Scenario } from "./scripted-server.js";
import type { ScriptedStream } from "./scripted-stream.js";

/**
 * The snapshot a scenario sends: the events given, or else (a ServiceHealth subject) three
 * passing instances of the requested service (`node-0`…`node-2`, IDs `<service>-0`…).
 */
export interface ScenarioData {
  /** Snapshot index (default 10). */
  readonly index?: IndexLike;
  /** Snapshot events (default: three passing instances of the subscribed service). */
  readonly events?: readonly Event[] | ((stream: ScriptedStream) => readonly Event[]);
}

function snapshotOf(stream: ScriptedStream, data: ScenarioData): readonly Event[] {
  const events = data.events;
  if (typeof events === "function") return events(stream);
  return events ?? instances(stream.subject).map((i) => register(i));
}

/** The stream never answers: the component stays in its loading state (or Suspense fallback). */
export function loading(): Scenario {
  return (stream) => stream.hang();
}

/** A snapshot, then the stream stays open: the component shows live data. */
export function live(data: ScenarioData = {}): Scenario {
  return (stream) => stream.snapshot(data.index ?? 10, snapshotOf(stream, data));
}

/** An empty snapshot (the service has no instances): data with no rows, not loading. */
export function empty(index: IndexLike = 1): Scenario {
  return (stream) => stream.snapshot(index);
}

/**
 * A snapshot, then the connection drops and every reconnect hangs: the component keeps its
 * stale data, marked `reconnecting`.
 */
export function reconnecting(data: ScenarioData & { readonly message?: string } = {}): Scenario {
  return async (stream) => {
    if (stream.attempt > 1) return stream.hang();
    await stream.snapshot(data.index ?? 10, snapshotOf(stream, data));
    await stream.drop(data.message);
  };
}

/**
 * The stream fails with a terminal error (default `PermissionDenied`, an ACL refusal): the
 * component shows `failed` and its error; nothing retries (SPEC M6).
 */
export function failed(
  code: Code = Code.PermissionDenied,
  message = "permission denied: token lacks service:read",
): Scenario {
  return (stream) => stream.end(code, message);
}

/**
 * A snapshot, then the server resets the stream (`Aborted`, e.g. an ACL change or a restore)
 * and the client resnapshots: at `then.index` (default: the first index + 10) with `then.events`
 * (default: the first snapshot without its last event).
 */
export function resnapshot(data: ScenarioData & { readonly then?: ScenarioData } = {}): Scenario {
  return async (stream) => {
    const first = snapshotOf(stream, data);
    if (stream.attempt > 1) {
      const then = data.then ?? {};
      const index = then.index ?? BigInt(data.index ?? 10) + 10n;
      return stream.snapshot(index, then.events ? snapshotOf(stream, then) : first.slice(0, -1));
    }
    await stream.snapshot(data.index ?? 10, first);
    await stream.end(
      Code.Aborted,
      "subscription closed by server, client must reset state and resubscribe",
    );
  };
}
