// SPEC R6 / M7: the healthy-stream timer started by an accepted resume is cleared when the
// materializer stops, even if the transport's stream ignores the abort (the orphaned connect-node
// stream the handshake deadline exists for); otherwise it outlives dispose() and later resets the
// retry count of a stopped materializer.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  alwaysOnline,
  MaterializerRegistry,
  type StreamCallOptions,
  type StreamClient,
  SUBSCRIBED_HEADER,
  serviceHealthRequest,
} from "react-submatview/core";
import { type Event, EventSchema, type SubscribeRequest } from "react-submatview/gen";
import { expect, test } from "vitest";
import { deferred } from "../support/deferred.js";
import { ManualTimers } from "../support/manual-timers.js";
import { ev } from "../support/pushable-client.js";

/** Stream 0: a snapshot at 5, then a drop. Stream 1: accepted (marked headers), then silent forever, deaf to abort. */
class DeafClient implements StreamClient {
  calls = 0;
  readonly resumedAccepted = deferred<void>();
  subscribe(_request: SubscribeRequest, options: StreamCallOptions): AsyncIterable<Event> {
    const n = this.calls++;
    const accepted = this.resumedAccepted;
    return (async function* () {
      options.onHeader?.(new Headers({ [SUBSCRIBED_HEADER]: "1" }));
      if (n === 0) {
        yield create(EventSchema, ev.register(5n, "n1", "web-1"));
        yield create(EventSchema, ev.end(5n));
        throw new ConnectError("drop", Code.Unavailable);
      }
      accepted.resolve();
      await new Promise(() => {}); // never answers, never ends, even when aborted
    })();
  }
}

test("R6: dispose clears the healthy-stream timer of an accepted resume whose stream ignores abort", async () => {
  const timers = new ManualTimers();
  const client = new DeafClient();
  const registry = new MaterializerRegistry({
    client,
    timers,
    retry: { random: () => 0, connectivity: alwaysOnline },
  });
  const lease = registry.acquire(serviceHealthRequest({ service: "web" }));
  await client.resumedAccepted.promise;
  expect(client.calls).toBe(2);
  expect(lease.materializer.getSnapshot()).toMatchObject({ status: "live", index: 5n });
  expect(timers.pending).toBe(1); // the healthy-stream timer (the header settled the deadline)
  registry.dispose();
  expect(timers.pending).toBe(0);
});
