// SPEC M4/M6/M9/P5 in a component (jsdom, real HTTP through connect-web's fetch): after the
// server drops every connection, useMaterializedView shows `reconnecting`, and once the resume is
// accepted it shows `live` again with no error and the same data, although nothing changed.
import { create } from "@bufbuild/protobuf";
import { cleanup, screen, waitFor } from "@testing-library/react";
import {
  type MaterializerRegistry,
  type ServiceHealthResult,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { SubscribeRequestSchema } from "react-submatview/gen";
import { afterEach, expect, test } from "vitest";
import { renderWith, serverRegistry } from "../support/render.js";
import { healthRequest, startTestServer, type TestServer } from "../support/server.js";

let registry: MaterializerRegistry | undefined;
let server: TestServer | undefined;
const releases: Array<() => void> = [];
afterEach(async () => {
  cleanup();
  registry?.dispose();
  for (const release of releases.splice(0)) release();
  await server?.close();
  registry = undefined;
  server = undefined;
});

const names = (r: ServiceHealthResult | undefined) =>
  r?.nodes.map((n) => n.Service?.ID).join(",") ?? "";

test("SPEC M4/M9: a quiet resumed stream shows live again in the component, with no new event", {
  timeout: 15_000,
}, async () => {
  server = await startTestServer({ snapshotCacheTtlMs: 0 });
  // A second subscriber keeps the subject's buffer, so the client's resume is served (S4, S6).
  const keeper = server.publisher.subscribe(create(SubscribeRequestSchema, healthRequest("web")));
  releases.push(() => keeper.unsubscribe());
  const index = server.catalog.register({ node: "n1", service: "web", id: "web-1" });
  registry = serverRegistry(server);

  const rendered: string[] = [];
  function Health() {
    const { data, status, error } = useMaterializedView(serviceHealthRequest({ service: "web" }));
    rendered.push(status);
    return (
      <p data-testid="health" data-status={status} data-error={error?.message ?? ""}>
        {names(data)}
      </p>
    );
  }
  renderWith(registry, <Health />);
  const shown = await screen.findByText("web-1", {}, { timeout: 5_000 });
  expect(shown.dataset.status).toBe("live");
  const published = server.publisher.stats();

  const mark = rendered.length;
  server.server.dropConnections();
  await waitFor(() => expect(rendered.slice(mark)).toContain("reconnecting"), { timeout: 5_000 });
  await waitFor(() => expect(shown.dataset.status).toBe("live"), { timeout: 5_000 });
  expect(shown.dataset.error).toBe("");
  expect(shown.textContent).toBe("web-1");
  // Nothing was published meanwhile: the same index, one resumed stream, no new buffer.
  expect(server.catalog.index).toBe(index);
  expect(server.publisher.stats()).toEqual(published);
});
