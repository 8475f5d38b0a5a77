// Install check (issue 8 item 5): the two optional peers the README's Install section names, at
// work — `serve()` from react-submatview/server/node (needs @connectrpc/connect-node) on
// 127.0.0.1, and the browser transport from @connectrpc/connect-web, over real HTTP.
import { createConnectTransport } from "@connectrpc/connect-web";
import { cleanup, render, screen } from "@testing-library/react";
import {
  MaterializerProvider,
  type ServiceHealthResult,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { EventPublisher, HealthCatalog } from "react-submatview/server";
import { type RunningServer, serve } from "react-submatview/server/node";
import { afterEach, test } from "vitest";

let server: RunningServer | undefined;

afterEach(async () => {
  cleanup();
  await server?.close();
});

const ids = (r: ServiceHealthResult | undefined) => r?.nodes.map((n) => n.Service?.ID).join(",");

function Api() {
  const { data, isLoading } = useMaterializedView(serviceHealthRequest({ service: "api" }));
  return <p>{isLoading ? "loading" : `api: ${ids(data) || "none"}`}</p>;
}

test("SPEC H2, S: a component follows the package's own server over HTTP", async () => {
  const publisher = new EventPublisher();
  const catalog = new HealthCatalog(publisher);
  catalog.register({ node: "n1", service: "api", id: "api-1" });
  server = await serve({ publisher, host: "127.0.0.1", port: 0 });
  const transport = createConnectTransport({ baseUrl: server.url });
  render(
    <MaterializerProvider transport={transport} idleTtlMs={0}>
      <Api />
    </MaterializerProvider>,
  );
  await screen.findByText("api: api-1");
  catalog.register({ node: "n2", service: "api", id: "api-2" });
  await screen.findByText("api: api-1,api-2");
});
