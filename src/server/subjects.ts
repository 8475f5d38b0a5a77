import type { SubscribeRequest } from "../gen/index.js";

/** Subject of wildcard subscriptions; never produced by {@link subjectKey}. */
export const WILDCARD = "\u0000*";

/**
 * Routing key of a health-style subject (SPEC S2): the lower-cased key, prefixed by
 * `peer + "/"` when a peer is set. Service names match case-insensitively, peer names do not
 * (Consul's `EventSubjectService.String()`).
 */
export function subjectKey(key: string, peer = ""): string {
  const lower = key.toLowerCase();
  return peer ? `${peer}/${lower}` : lower;
}

/**
 * The subject a request subscribes to: {@link WILDCARD}, a key from `NamedSubject`, or one from
 * the deprecated top-level `Key` / `PeerName`. `undefined` when the request names no subject.
 */
export function requestSubject(req: SubscribeRequest): string | undefined {
  const subject = req.Subject;
  if (subject.case === "WildcardSubject" && subject.value) return WILDCARD;
  if (subject.case === "NamedSubject") {
    return subject.value.Key ? subjectKey(subject.value.Key, subject.value.PeerName) : undefined;
  }
  return req.Key ? subjectKey(req.Key, req.PeerName) : undefined;
}
