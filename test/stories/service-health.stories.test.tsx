import { composeStories, composeStory } from "@storybook/react-vite";
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, test } from "vitest";
import { createDemoEnvironment, type DemoEnvironment } from "../../stories/demo-environment.js";
import * as stories from "../../stories/ServiceHealth.stories.js";

const { Loading, Reconnecting } = composeStories(stories);

let environment: DemoEnvironment | undefined;
afterEach(() => {
  cleanup();
  environment?.dispose();
});

describe("stories: service health (composeStories, jsdom)", () => {
  test("Live renders the snapshot from the in-browser publisher and its rows follow the catalog", async () => {
    environment = createDemoEnvironment({ services: 2, instancesPerService: 3 });
    const submatview = { use: environment };
    const Live = composeStory({ ...stories.Live, parameters: { submatview } }, stories.default);
    render(<Live />);
    await waitFor(() => expect(screen.getAllByTestId("row")).toHaveLength(3));
    expect(screen.getByTestId("status").dataset.status).toBe("live");
    environment.catalog.register({
      node: "node-x",
      service: "service-00",
      id: "service-00-new",
      address: "10.9.9.9",
      port: 9,
    });
    await waitFor(() => expect(screen.getAllByTestId("row")).toHaveLength(4));
    expect(screen.getByText("service-00-new")).toBeTruthy();
    environment.catalog.setStatus("node-x", "service-00-new", "critical");
    await waitFor(() => expect(screen.getAllByText("critical")).toHaveLength(1));
    environment.catalog.deregister("node-x", "service-00-new");
    await waitFor(() => expect(screen.getAllByTestId("row")).toHaveLength(3));
  });

  test("Loading shows the loading state", async () => {
    render(<Loading />);
    expect((await screen.findByTestId("loading")).textContent).toMatch(/Loading snapshot/);
  });

  test("Reconnecting keeps the last rows visible, marked reconnecting", async () => {
    render(<Reconnecting />);
    await waitFor(() => expect(screen.getByTestId("status").dataset.status).toBe("reconnecting"));
    expect(screen.getAllByTestId("row").length).toBeGreaterThan(0);
    expect(screen.getByTestId("status").textContent).toMatch(/connection to the server was lost/);
  });
});
