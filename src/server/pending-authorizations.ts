/**
 * Streams whose token the event publisher is still resolving (SPEC S7): a `forceCloseToken`
 * or `refreshTopic` that lands meanwhile marks them revoked, so `subscribe` refuses them with
 * `Aborted` instead of opening a stream filtered by a revoked policy.
 */
import type { SubscribeRequest } from "../gen/index.js";

/** The requests being authorized, each with whether it was revoked meanwhile. */
export class PendingAuthorizations {
  readonly #pending = new Map<SubscribeRequest, { revoked: boolean }>();

  /** `request`'s token starts resolving. */
  begin(request: SubscribeRequest): void {
    this.#pending.set(request, { revoked: false });
  }

  /** `request`'s token failed to resolve: forget it. */
  cancel(request: SubscribeRequest): void {
    this.#pending.delete(request);
  }

  /**
   * `request` subscribes: forgets it and returns whether it was revoked while its token
   * resolved (false for a request that was never authorized here).
   */
  take(request: SubscribeRequest): boolean {
    const pending = this.#pending.get(request);
    if (!pending) return false;
    this.#pending.delete(request);
    return pending.revoked;
  }

  /** Marks every pending request that `matches` as revoked. */
  revoke(matches: (request: SubscribeRequest) => boolean): void {
    for (const [request, pending] of this.#pending) if (matches(request)) pending.revoked = true;
  }
}
