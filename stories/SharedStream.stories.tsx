/**
 * Several views of one request share one registry entry and so one stream (SPEC R1, R2, Q1):
 * the play functions count the subscriptions the kit's scripted server recorded (SPEC T2).
 */
import type { Meta, StoryObj } from "@storybook/react-vite";
import { instances, scenarios, setStatus } from "react-submatview/testing";
import { expect, waitFor, within } from "storybook/test";
import { PassingCount } from "./passing-count.js";
import { withQueryClient } from "./query-client.js";
import { ServiceHealthTable } from "./service-health-table.js";
import { serverOf, withStoryBackend } from "./story-backend.js";
import { TanStackHealthTable } from "./tanstack-health-table.js";

const meta = {
  title: "Live views/Shared stream",
  decorators: [withStoryBackend],
  args: { service: "service-00" },
  parameters: { submatview: { scenario: scenarios.live() } },
} satisfies Meta<{ service: string }>;
export default meta;
type Story = StoryObj<{ service: string }>;

/** Pushes one change down the only stream and sees every view take it. */
async function expectOneStream(canvasElement: HTMLElement, views: number) {
  const canvas = within(canvasElement);
  const server = await serverOf(canvasElement);
  await expect(await canvas.findAllByText("3 of 3 passing")).toHaveLength(1);
  await server.streams[0]?.push(11, setStatus(instances("service-00")[0]!, "critical"));
  await expect(await canvas.findByText("2 of 3 passing")).toBeVisible();
  await waitFor(() => expect(canvas.getAllByText("critical")).toHaveLength(views - 1));
  await expect(server.streams.map(String)).toEqual([
    'Subscribe(ServiceHealth "service-00" from 0 #1)',
  ]);
}

/** A table and a passing count (a `select`ed slice) of the same service: one stream. */
export const TwoViews: Story = {
  render: ({ service }) => (
    <>
      <PassingCount service={service} />
      <ServiceHealthTable service={service} />
    </>
  ),
  play: ({ canvasElement }) => expectOneStream(canvasElement, 2),
};

/** The hook, a `select`ed slice and TanStack Query on the same request: still one stream. */
export const HookAndTanStack: Story = {
  decorators: [withQueryClient],
  render: ({ service }) => (
    <>
      <PassingCount service={service} />
      <ServiceHealthTable service={service} />
      <TanStackHealthTable service={service} />
    </>
  ),
  play: ({ canvasElement }) => expectOneStream(canvasElement, 3),
};
