/**
 * The relay's upstream follower: one `Subscribe` stream per relay channel, kept open and
 * resumed from the channel's index, with the materializer's framing checks (SPEC M3, P5) and
 * failure classes (M6) deciding what the downstream streams see (L3).
 */
import { create } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { classifyFailure } from "../core/classify.js";
import { ProtocolError, StreamEndedError } from "../core/errors.js";
import type { RetryWaiter } from "../core/retry-waiter.js";
import { consumeStream } from "../core/stream-framing.js";
import type { Logger, StreamClient } from "../core/types.js";
import { type SubscribeRequest, SubscribeRequestSchema } from "../gen/index.js";
import type { RelayChannel } from "./relay-channel.js";

export interface FollowOptions {
  readonly client: StreamClient;
  /** The downstream request that opened the channel (its index is ignored). */
  readonly request: SubscribeRequest;
  readonly channel: RelayChannel;
  readonly waiter: RetryWaiter;
  readonly signal: AbortSignal;
  /** Called once when the upstream answered with a terminal error (the channel has failed). */
  readonly onTerminal: () => void;
  readonly logger?: Logger;
}

/**
 * Follows the upstream until `signal` aborts or a terminal error:
 * - `Aborted` → the channel resets (its streams end with `Aborted`), resubscribe at 0;
 * - a protocol fault → resubscribe at 0; the snapshot mends the channel (or resets it);
 * - terminal (`PermissionDenied`, "ACL not found", …) → the channel fails with it: only this
 *   key's streams, hence only this token's, see it;
 * - anything else → keep the state, back off, resume from the channel's index (a resume the
 *   upstream cannot serve comes back as `NewSnapshotToFollow` and a snapshot).
 */
export async function followUpstream(options: FollowOptions): Promise<void> {
  const { client, channel, waiter, signal, logger } = options;
  let fresh = true;
  while (!signal.aborted) {
    const index = fresh ? 0n : channel.index;
    let expectSnapshot = index === 0n;
    const request = create(SubscribeRequestSchema, { ...options.request, Index: index });
    try {
      await consumeStream(client, request, signal, {
        apply(events, at) {
          try {
            if (expectSnapshot) channel.applySnapshot(events, at);
            else channel.applyLive(events, at);
          } catch (error) {
            throw new ProtocolError(error instanceof Error ? error.message : String(error));
          }
          expectSnapshot = false;
          fresh = false;
          waiter.reset();
        },
        reset() {
          expectSnapshot = true;
        },
      });
      throw new StreamEndedError();
    } catch (error) {
      if (signal.aborted) return;
      const kind = classifyFailure(error);
      logger?.debug?.("relay: upstream stream failed", {
        kind,
        index: channel.index.toString(),
        message: error instanceof Error ? error.message : String(error),
      });
      if (kind === "terminal") {
        channel.fail(ConnectError.from(error));
        options.onTerminal();
        return;
      }
      if (kind === "reset") {
        channel.reset();
        fresh = true;
      } else if (kind === "fault") fresh = true;
      else channel.upstreamFailed(error);
      try {
        await waiter.wait(signal);
      } catch {
        return;
      }
    }
  }
}
