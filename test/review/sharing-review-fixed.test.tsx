// Review of 363aab2 (hooks share one lease and one subscription per request key): a hostile
// case that failed at 2316bd0 and passes since f3b6a51, kept as a guard (SPEC R5). Bounded: a
// missing stream fails within a deadline instead of hanging. The review's other guards (R5's
// newcomer, a throwing select live and blocking, a long idleTtlMs) are the same scenarios as
// test/react/sharing-defects.test.tsx and live there only.
import { Code, ConnectError } from "@connectrpc/connect";
import { render } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { bed, disposeBedsAfterEach, nextTask, shown, View } from "../react/sharing-support.js";
import { ev, type PushableStream } from "../support/pushable-client.js";
import { withRegistry } from "../support/render.js";

disposeBedsAfterEach();

/** `promise`, or a rejection naming `what` after `ms` (a missing stream fails, never hangs). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
async function snapshot(stream: PushableStream, index: bigint, id: string) {
  stream.push(ev.register(index, "n1", id), ev.end(index));
  await stream.drained();
  await nextTask();
}

describe("SPEC R5: after a terminal error the next request starts afresh", () => {
  test("a component that fails, moves to another key and comes back while another still holds the failed key starts afresh", {
    timeout: 5_000,
  }, async () => {
    shown.clear();
    const { client, registry } = bed();
    const app = (service: "web" | "api") => (
      <>
        <View id="holder" />
        <View id="mover" service={service} />
      </>
    );
    const view = render(withRegistry(registry, app("web")));
    const first = await client.next();
    await snapshot(first, 2n, "web-1");
    first.fail(new ConnectError("denied", Code.PermissionDenied));
    await nextTask();
    await nextTask();
    expect(shown.get("mover")).toBe("web:failed:[permission_denied] denied");
    view.rerender(withRegistry(registry, app("api")));
    const apiStream = await client.next();
    await snapshot(apiStream, 3n, "api-1");
    expect(shown.get("mover")).toBe("api:api-1");
    view.rerender(withRegistry(registry, app("web")));
    await nextTask();
    // A key change back is a new request (R5): not the stopped materializer it left.
    const fresh = await within(client.next(), 1_000, "fresh stream on the way back");
    await snapshot(fresh, 7n, "web-2");
    await nextTask();
    expect(shown.get("mover")).toBe("web:web-2");
  });
});
