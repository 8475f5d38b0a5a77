// @vitest-environment node
// Review (SPEC H1, H4): on the server a provider's render never commits (no effects run), so a
// registry it creates must never be handed to another request's render: each request renders
// from its own dehydrated state (one request's seed never shows in another's HTML).
import { createConnectTransport } from "@connectrpc/connect-web";
import { renderToString } from "react-dom/server";
import {
  type DehydratedState,
  MaterializerProvider,
  MaterializerRegistry,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { afterEach, describe, expect, test } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function List() {
  const { data, isLoading } = useMaterializedView(serviceHealthRequest({ service: "web" }));
  return <p>{isLoading ? "loading" : data?.nodes.map((n) => n.Service?.ID).join(",")}</p>;
}

describe("SPEC H4: server renders with a module-level transport", () => {
  test("two requests, two dehydrated states: each HTML shows its own", async () => {
    server = await startTestServer();
    const transport = createConnectTransport({ baseUrl: server.url, useBinaryFormat: true });
    const dehydrated = async (id: string): Promise<DehydratedState> => {
      server?.catalog.register({ node: "n1", service: "web", id });
      const registry = new MaterializerRegistry({ transport });
      await registry.get(serviceHealthRequest({ service: "web" }));
      const state = JSON.parse(JSON.stringify(registry.dehydrate())) as DehydratedState;
      registry.dispose();
      return state;
    };
    const first = await dehydrated("web-1");
    const second = await dehydrated("web-2");
    const page = (state: DehydratedState) =>
      renderToString(
        <MaterializerProvider transport={transport} dehydratedState={state}>
          <List />
        </MaterializerProvider>,
      );
    expect(page(first)).toBe("<p>web-1</p>");
    expect(page(second)).toBe("<p>web-1,web-2</p>");
    await server.publisher.idle();
    expect(server.publisher.stats().subscribers).toBe(0);
  });
});
