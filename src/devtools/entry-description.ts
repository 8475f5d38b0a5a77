/**
 * What never changes about a registry entry, as the inspector shows it: its request described
 * (topic, subject, datacenter…) with the token reduced to a hash (SPEC R1), and the redaction of
 * that token from error messages a server may echo it in.
 */

import type { MaterializedRequest, RegistryEntrySnapshot } from "../core/index.js";
import { tokenHash } from "../core/token-hash.js";
import { Topic } from "../gen/index.js";

/** The fields of an entry's snapshot fixed at its creation. */
export type EntryDescription = Pick<
  RegistryEntrySnapshot,
  | "key"
  | "viewType"
  | "topic"
  | "subject"
  | "datacenter"
  | "namespace"
  | "partition"
  | "hasToken"
  | "tokenHash"
>;

/** Describes `request` without its token; `redact` removes the token from any message. */
export function describeEntry(request: MaterializedRequest<unknown>): {
  readonly description: EntryDescription;
  readonly redact: (message: string) => string;
} {
  const req = request.subscribeRequest(0n);
  const named = req.Subject.case === "NamedSubject" ? req.Subject.value : undefined;
  const key = named?.Key || req.Key;
  const peer = named?.PeerName || req.PeerName;
  const token = req.Token;
  return {
    description: {
      key: request.key,
      viewType: request.viewType,
      topic: Topic[req.Topic] ?? String(req.Topic),
      subject: req.Subject.case === "WildcardSubject" ? "*" : peer ? `${peer}/${key}` : key,
      datacenter: req.Datacenter,
      namespace: named?.Namespace || req.Namespace,
      partition: named?.Partition || req.Partition,
      hasToken: token !== "",
      tokenHash: tokenHash(token),
    },
    // A server may echo a token in an error message: it never reaches the snapshot.
    redact: token === "" ? (message) => message : (message) => message.split(token).join("[token]"),
  };
}
