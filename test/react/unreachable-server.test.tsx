// Issue 7, SPEC H2/M6/M7: an unreachable server surfaces its error to the component (not
// loading) while the first snapshot is retried with backoff; once the server is up, data shows.
import { createConnectTransport } from "@connectrpc/connect-web";
import { cleanup, screen } from "@testing-library/react";
import {
  MaterializerRegistry,
  type ServiceHealthResult,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { EventPublisher, HealthCatalog } from "react-submatview/server";
import { type RunningServer, serve } from "react-submatview/server/node";
import { afterEach, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { refusedPort } from "../support/refused-port.js";
import { renderWith } from "../support/render.js";

let registry: MaterializerRegistry | undefined;
let running: RunningServer | undefined;
afterEach(async () => {
  cleanup();
  registry?.dispose();
  await running?.close();
  registry = undefined;
  running = undefined;
});

const names = (r: ServiceHealthResult | undefined) =>
  r?.nodes.map((n) => n.Service?.ID).join(",") ?? "";

function Health() {
  const { data, isLoading, status, error } = useMaterializedView(
    serviceHealthRequest({ service: "web" }),
  );
  return (
    <p data-testid="health" data-status={status} data-error={error?.message ?? ""}>
      {isLoading ? "loading" : error && !data ? "unreachable" : names(data)}
    </p>
  );
}

test("an unreachable server: the error reaches the component (not loading) while retries go on", {
  timeout: 10_000,
}, async () => {
  const port = await refusedPort();
  const timers = new ManualTimers();
  registry = new MaterializerRegistry({
    transport: createConnectTransport({ baseUrl: `http://127.0.0.1:${port}` }),
    timers,
    retry: { random: () => 0 }, // exact backoff: 200 ms, 400 ms, …
  });
  // Failure 1 retries at once; failure 2 sets the first backoff timer.
  const backoff = timers.scheduled();
  renderWith(registry, <Health />);
  expect(screen.getByTestId("health").textContent).toBe("loading");
  await backoff;
  const shown = screen.getByTestId("health");
  await screen.findByText("unreachable", {}, { timeout: 3_000 });
  expect(shown.dataset.error).not.toBe("");
  expect(shown.dataset.status).toBe("connecting");

  // Retries go on: each backoff ends in another failed attempt and a longer wait.
  const next = timers.scheduled();
  timers.advance(200);
  await next;
  expect(shown.textContent).toBe("unreachable");

  // The server comes up on that port: the next retry gets the snapshot and the error clears.
  const publisher = new EventPublisher();
  new HealthCatalog(publisher).register({ node: "n1", service: "web", id: "web-1" });
  running = await serve({ publisher, port });
  timers.advance(400);
  await screen.findByText("web-1", {}, { timeout: 3_000 });
  expect(shown.dataset.error).toBe("");
  expect(shown.dataset.status).toBe("live");
});
