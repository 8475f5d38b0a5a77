import { createConnectTransport } from "@connectrpc/connect-web";
import { act, cleanup, screen } from "@testing-library/react";
import { hydrateRoot, type Root } from "react-dom/client";
import { renderToString } from "react-dom/server";
import {
  MaterializerProvider,
  MaterializerRegistry,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { afterEach, expect, test } from "vitest";
import { countSubscriptions, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer | undefined;
let root: Root | undefined;
afterEach(async () => {
  act(() => root?.unmount());
  cleanup();
  await server?.close();
});

const request = () => serviceHealthRequest({ service: "web" });
const shown: string[] = [];

function List() {
  const { data, isLoading } = useMaterializedView(request());
  const text = isLoading ? "loading" : (data?.nodes.map((n) => n.Service?.ID).join(",") ?? "");
  shown.push(text);
  return <p data-testid="list">{text}</p>;
}

test("SPEC H4: the client hydrates from a dehydrated snapshot without a flash, then continues live", async () => {
  server = await startTestServer();
  server.catalog.register({ node: "n1", service: "web", id: "web-1" });
  const transport = createConnectTransport({ baseUrl: server.url, useBinaryFormat: true });

  // Server: fetch, render, dehydrate.
  const serverRegistry = new MaterializerRegistry({ transport });
  await serverRegistry.get(request());
  const html = renderToString(
    <MaterializerProvider registry={serverRegistry}>
      <List />
    </MaterializerProvider>,
  );
  const state = JSON.parse(JSON.stringify(serverRegistry.dehydrate()));
  serverRegistry.dispose();
  await server.publisher.idle();

  // A change lands between the server render and hydration: the client resumes and catches up.
  server.catalog.register({ node: "n2", service: "web", id: "web-2" });
  const opened = countSubscriptions(server.publisher);
  const container = document.createElement("div");
  container.innerHTML = html;
  document.body.appendChild(container);
  shown.length = 0;
  act(() => {
    root = hydrateRoot(
      container,
      <MaterializerProvider transport={transport} dehydratedState={state}>
        <List />
      </MaterializerProvider>,
    );
  });
  expect(shown[0]).toBe("web-1");
  await opened(1);
  await screen.findByText("web-1,web-2");
  server.catalog.register({ node: "n3", service: "web", id: "web-3" });
  await screen.findByText("web-1,web-2,web-3");
  expect(shown).not.toContain("loading");
});
