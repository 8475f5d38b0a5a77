// Install check (issue 8 item 5): a user's live component, render-tested in a fresh project that
// installed the packed tarball, with only the package's public entries, Connect's in-memory
// router transport, Testing Library and vitest.
import { createRouterTransport } from "@connectrpc/connect";
import { cleanup, render, screen } from "@testing-library/react";
import { version as reactVersion } from "react";
import { version as reactDomVersion } from "react-dom";
import {
  MaterializerProvider,
  type ServiceHealthResult,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { StateChangeSubscription } from "react-submatview/gen";
import { createSubscribeService, EventPublisher, HealthCatalog } from "react-submatview/server";
import { afterEach, expect, test } from "vitest";

afterEach(cleanup);

type Instance = ServiceHealthResult["nodes"][number];

function ServiceInstances({ service }: { service: string }) {
  const { data, isLoading, status } = useMaterializedView(serviceHealthRequest({ service }));
  if (isLoading) return <p>loading</p>;
  return (
    <ul aria-label={service} data-status={status}>
      {data?.nodes.map((n: Instance) => (
        <li key={`${n.Node?.Node}/${n.Service?.ID}`}>
          {n.Service?.ID}: {n.Checks[0]?.Status}
        </li>
      ))}
    </ul>
  );
}

function datacenter() {
  const publisher = new EventPublisher();
  const catalog = new HealthCatalog(publisher);
  const transport = createRouterTransport(({ service }) => {
    service(StateChangeSubscription, createSubscribeService(publisher));
  });
  return { publisher, catalog, transport };
}

test("SPEC H2: a live component renders the snapshot, follows updates, closes its stream", async () => {
  const { publisher, catalog, transport } = datacenter();
  catalog.register({ node: "n1", service: "web", id: "web-1" });
  const { unmount } = render(
    <MaterializerProvider transport={transport} idleTtlMs={0}>
      <ServiceInstances service="web" />
    </MaterializerProvider>,
  );
  expect(screen.getByText("loading")).toBeTruthy();
  await screen.findByText("web-1: passing");
  catalog.setStatus("n1", "web-1", "critical");
  await screen.findByText("web-1: critical");
  catalog.register({ node: "n2", service: "web", id: "web-2" });
  await screen.findByText("web-2: passing");
  expect(screen.getByRole("list", { name: "web" }).dataset.status).toBe("live");
  unmount();
  await publisher.idle(); // SPEC R6: the provider's registry closed the stream on unmount
  expect(publisher.stats().subscribers).toBe(0);
});

test("runs on the React version the check installed", () => {
  expect(reactVersion).toBe(process.env.EXPECT_REACT_VERSION);
  expect(reactDomVersion).toBe(process.env.EXPECT_REACT_VERSION);
});
