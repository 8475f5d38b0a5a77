/**
 * The package's own server over real HTTP with an ACL authorizer (SPEC S7) for the security
 * tests: each token sees its own subset of instances, a token can be made to fail with any
 * terminal ACL error, and every resolution (one per subscribe attempt) is counted per token.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { Event } from "react-submatview/gen";
import type { EventPublisherOptions } from "react-submatview/server";
import { startTestServer, type TestServer } from "./server.js";

/** How the authorizer answers a token: a filter, or one of the terminal ACL errors (SPEC M6). */
export type AclVerdict =
  | "allow"
  | "permission-denied"
  | "unauthenticated"
  | "acl-not-found"
  | "aborted";

export const terminalVerdicts: readonly Exclude<AclVerdict, "allow" | "aborted">[] = [
  "permission-denied",
  "unauthenticated",
  "acl-not-found",
];

export interface AclServer extends TestServer {
  /** Subscribe attempts that reached the authorizer, per token (every attempt does, S7). */
  attempts(token: string): number;
  /** Every attempt, in order (the tokens stay in the test: never printed). */
  readonly tokens: string[];
  /** Sets how `token` is answered from its next attempt on. */
  setVerdict(token: string, verdict: AclVerdict): void;
}

/** The instance id an event is about, or undefined for framing events. */
function instanceOf(event: Event): string | undefined {
  return event.Payload.case === "ServiceHealth"
    ? event.Payload.value.CheckServiceNode?.Service?.ID
    : undefined;
}

/**
 * Starts a server whose authorizer lets `token` read exactly the instances `visible(token)`
 * accepts (an unknown token answers "ACL not found"), unless its verdict says otherwise.
 */
export async function startAclServer(
  visible: (token: string) => ((instanceId: string) => boolean) | undefined,
  options: EventPublisherOptions = {},
): Promise<AclServer> {
  const verdicts = new Map<string, AclVerdict>();
  const tokens: string[] = [];
  const server = await startTestServer({
    ...options,
    authorizer: (token) => {
      tokens.push(token);
      switch (verdicts.get(token) ?? "allow") {
        case "permission-denied":
          throw new ConnectError("permission denied", Code.PermissionDenied);
        case "unauthenticated":
          throw new ConnectError("unauthenticated", Code.Unauthenticated);
        case "acl-not-found":
          return null; // the publisher answers Unknown "ACL not found"
        case "aborted": // a reset (M6), as a force-close racing the resubscribe would give
          throw new ConnectError("subscription closed by server", Code.Aborted);
        case "allow": {
          const allowed = visible(token);
          if (!allowed) return null;
          return (event) => {
            const id = instanceOf(event);
            return id === undefined || allowed(id);
          };
        }
      }
    },
  });
  return {
    ...server,
    tokens,
    attempts: (token) => tokens.filter((t) => t === token).length,
    setVerdict: (token, verdict) => verdicts.set(token, verdict),
  };
}
