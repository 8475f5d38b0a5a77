/** Every state of a live view (SPEC H2, M6), on the testing kit's datacenter or scripted streams. */
import type { Meta, StoryObj } from "@storybook/react-vite";
import { Suspense } from "react";
import { scenarios } from "react-submatview/testing";
import { expect, within } from "storybook/test";
import { expectConverged } from "./play.js";
import { ServiceHealthTable } from "./service-health-table.js";
import {
  type DatacenterArgs,
  datacenterArgTypes,
  datacenterOf,
  serverOf,
  withStoryBackend,
} from "./story-backend.js";

const meta = {
  title: "Live views/States",
  render: ({ service }) => <ServiceHealthTable service={service} />,
  decorators: [withStoryBackend],
  args: { service: "service-00" },
} satisfies Meta<{ service: string } & Partial<DatacenterArgs>>;
export default meta;
type Story = StoryObj<typeof meta>;

const status = (root: HTMLElement) => within(root).findByTestId("status");

/** The real EventPublisher and HealthCatalog in the browser; the controls size, churn and slow it. */
export const Live: Story = {
  args: { services: 4, instancesPerService: 5, churnPerSecond: 4, latencyMs: 0 },
  argTypes: datacenterArgTypes,
  play: async ({ canvasElement }) =>
    expectConverged(canvasElement, await datacenterOf(canvasElement), "service-00"),
};

/** The snapshot has not arrived yet. */
export const Loading: Story = {
  parameters: { submatview: { scenario: scenarios.loading() } },
  play: async ({ canvasElement }) =>
    expect(await within(canvasElement).findByTestId("loading")).toBeVisible(),
};

/** The service has no instances: a live, empty table (not loading). */
export const Empty: Story = {
  parameters: { submatview: { scenario: scenarios.empty() } },
  play: async ({ canvasElement }) => {
    await expect(await status(canvasElement)).toHaveAttribute("data-status", "live");
    await expect(within(canvasElement).queryAllByTestId("row")).toHaveLength(0);
  },
};

/** The stream dropped after the snapshot: the last rows stay, marked reconnecting (SPEC M6). */
export const Reconnecting: Story = {
  parameters: { submatview: { scenario: scenarios.reconnecting({ message: "connection lost" }) } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(await canvas.findByText(/^reconnecting — .*connection lost/)).toBeVisible();
    await expect(canvas.getAllByTestId("row")).toHaveLength(3);
    // The client resumed from the snapshot's index rather than starting over.
    await expect((await serverOf(canvasElement)).streams.at(-1)?.index).toBe(10n);
  },
};

/** A terminal error (an ACL refusal): shown, never retried (SPEC M6, R5). */
export const Failed: Story = {
  parameters: { submatview: { scenario: scenarios.failed() } },
  play: async ({ canvasElement }) => {
    await expect(
      await within(canvasElement).findByText(/failed — .*permission denied/),
    ).toBeVisible();
    await expect((await serverOf(canvasElement)).streams).toHaveLength(1);
  },
};

/** The server reset the stream (Aborted): the view is rebuilt from a new snapshot (SPEC P5). */
export const Resnapshot: Story = {
  parameters: { submatview: { scenario: scenarios.resnapshot() } },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByText("resynced 1×")).toBeVisible();
    await expect(within(canvasElement).getAllByTestId("row")).toHaveLength(2);
    await expect((await serverOf(canvasElement)).streams.map((s) => s.index)).toEqual([0n, 0n]);
  },
};

/** `suspense: true` inside `<Suspense>`: the fallback shows until the first snapshot. */
export const SuspenseFallback: Story = {
  parameters: { submatview: { scenario: scenarios.loading() } },
  render: ({ service }) => (
    <Suspense fallback={<p data-testid="fallback">Waiting for the first snapshot…</p>}>
      <ServiceHealthTable service={service} suspense />
    </Suspense>
  ),
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByTestId("fallback")).toBeVisible();
    await expect(within(canvasElement).queryByTestId("status")).toBeNull();
  },
};
