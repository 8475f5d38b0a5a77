/**
 * Checks the event publisher runs on what it is given: transaction indexes (SPEC P4, P5, S3),
 * the request's datacenter (Consul's `ErrNoDCPath`) and its subject (S1). Plain functions.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { type SubscribeRequest, Topic } from "../gen/index.js";
import { requestSubject, WILDCARD } from "./subjects.js";
import type { PublishEvent } from "./types.js";

/** Largest index the wire can carry (`uint64`, SPEC P4). */
export const MAX_INDEX = 2n ** 64n - 1n;

/** Consul's `structs.ErrNoDCPath` text: the answer for a datacenter this server cannot reach. */
export const NO_DC_PATH_MESSAGE = "No path to datacenter";

/** Why `index` is no wire index (a bigint in 1..2^64-1), or `undefined` when it is one. */
export function invalidIndex(index: unknown): string | undefined {
  if (typeof index !== "bigint") return `index ${String(index)} is a ${typeof index}, not a bigint`;
  if (index < 1n || index > MAX_INDEX) return `index ${index} is outside uint64 1..2^64-1`;
  return undefined;
}

/**
 * The index of one transaction (S3), checked before anything is published: a uint64 above 0
 * (P4), shared by every event, above the last published index and above every index a snapshot
 * has reported (P5: subscribers at that snapshot resume above it and would skip the event).
 */
export function transactionIndex(
  events: readonly PublishEvent[],
  lastPublished: bigint,
  lastReported: bigint,
): bigint {
  const index = events[0]!.index;
  const invalid = invalidIndex(index);
  if (invalid) {
    throw new Error(`publish: ${invalid}; raft indexes are bigint values in 1..2^64-1`);
  }
  for (const event of events) {
    if (event.index !== index) {
      throw new Error(
        `publish: every event of a transaction must share one index (got ${index} and ${String(event.index)})`,
      );
    }
  }
  if (index <= lastPublished) {
    throw new Error(
      `publish: index ${index} is not greater than the last published index ${lastPublished}`,
    );
  }
  if (index <= lastReported) {
    throw new Error(
      `publish: index ${index} is not above index ${lastReported}, already reported by a snapshot ` +
        `(an empty snapshot reports 1); subscribers at that snapshot would skip it: publish above ` +
        `every index your snapshot functions return (start a store's transactions at 2)`,
    );
  }
  return index;
}

/**
 * Refuses a request for another datacenter as Consul does when it has no route to it
 * (`Unknown: No path to datacenter`); an empty `Datacenter` means this one.
 */
export function checkDatacenter(request: SubscribeRequest, datacenter: string): void {
  if (request.Datacenter && request.Datacenter !== datacenter) {
    throw new ConnectError(NO_DC_PATH_MESSAGE, Code.Unknown);
  }
}

/**
 * The request's subject (S1), checked against what its topic serves: `InvalidArgument` when
 * the request names no subject, or a kind (wildcard or named) the topic does not serve.
 */
export function checkedSubject(
  request: SubscribeRequest,
  topic: { readonly wildcard: boolean; readonly named: boolean },
): string {
  const subject = requestSubject(request);
  const name = Topic[request.Topic];
  if (subject === undefined) {
    throw new ConnectError(
      "subscribe request needs a subject: set WildcardSubject or NamedSubject.Key",
      Code.InvalidArgument,
    );
  }
  if (subject === WILDCARD && !topic.wildcard) {
    throw new ConnectError(
      `topic ${name} does not support wildcard subscriptions`,
      Code.InvalidArgument,
    );
  }
  if (subject !== WILDCARD && !topic.named) {
    // Consul's wording. A named ServiceList subject would get a snapshot of every service and
    // then only the named one's live events.
    throw new ConnectError(
      `topic ${name} can only be consumed using WildcardSubject`,
      Code.InvalidArgument,
    );
  }
  return subject;
}
