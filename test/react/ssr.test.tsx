// @vitest-environment node
import { createConnectTransport } from "@connectrpc/connect-web";
import { renderToString } from "react-dom/server";
import {
  MaterializerProvider,
  MaterializerRegistry,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { afterEach, expect, test } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function List() {
  const { data, isLoading } = useMaterializedView(serviceHealthRequest({ service: "web" }), {
    suspense: true,
  });
  return <p>{isLoading ? "loading" : data?.nodes.map((n) => n.Service?.ID).join(",")}</p>;
}

test("SPEC H4: renderToString starts no stream and returns the loading state", async () => {
  server = await startTestServer();
  server.catalog.register({ node: "n1", service: "web", id: "web-1" });
  const registry = new MaterializerRegistry({
    transport: createConnectTransport({ baseUrl: server.url }),
  });
  const html = renderToString(
    <MaterializerProvider registry={registry}>
      <List />
    </MaterializerProvider>,
  );
  expect(html).toBe("<p>loading</p>");
  expect(registry.stats().entries).toBe(0);
  expect(server.publisher.stats().subscribers).toBe(0);
});

test("SPEC H4: a server registry that fetched renders data and dehydrates it without the token", async () => {
  server = await startTestServer();
  server.catalog.register({ node: "n1", service: "web", id: "web-1" });
  const registry = new MaterializerRegistry({
    transport: createConnectTransport({ baseUrl: server.url }),
  });
  const request = serviceHealthRequest({ service: "web", token: "ssr-secret" });
  await registry.get(request);
  function Tokened() {
    const { data } = useMaterializedView(request);
    return <p>{data?.nodes.map((n) => n.Service?.ID).join(",")}</p>;
  }
  const html = renderToString(
    <MaterializerProvider registry={registry}>
      <Tokened />
    </MaterializerProvider>,
  );
  expect(html).toBe("<p>web-1</p>");
  const state = registry.dehydrate();
  expect(state.entries).toHaveLength(1);
  expect(JSON.stringify(state)).not.toContain("ssr-secret");
  expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  registry.dispose();
});
