/** Consul-style blocking queries on the shared view: `minIndex` advances with each answer (SPEC H3). */
import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, within } from "storybook/test";
import { BlockingPanel } from "./blocking-panel.js";
import { expectConverged } from "./play.js";
import {
  type DatacenterArgs,
  datacenterArgTypes,
  datacenterOf,
  withStoryBackend,
} from "./story-backend.js";

const meta = {
  title: "Live views/Blocking query",
  render: ({ service, timeoutMs }) => <BlockingPanel service={service} timeoutMs={timeoutMs} />,
  decorators: [withStoryBackend],
  args: { service: "service-00", timeoutMs: 5_000, services: 3, churnPerSecond: 2, latencyMs: 0 },
  argTypes: {
    ...datacenterArgTypes,
    timeoutMs: { control: { type: "range", min: 100, max: 10_000 } },
  },
} satisfies Meta<{ service: string; timeoutMs: number } & Partial<DatacenterArgs>>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Each change to the service answers the pending query, whose index becomes the next minIndex. */
export const MinIndexAdvancing: Story = {
  args: { churnPerSecond: 0 },
  play: async ({ canvasElement }) => {
    const dc = await datacenterOf(canvasElement);
    const canvas = within(canvasElement);
    await expectConverged(canvasElement, dc, "service-00");
    const [first] = dc.catalog.specs().filter((s) => s.service === "service-00");
    for (const status of ["critical", "warning", "passing"] as const) {
      const index = dc.catalog.setStatus(first!.node, first!.id!, status);
      await expect(await canvas.findByText(`blocking until index > ${index}`)).toBeVisible();
      await expect(await canvas.findByText(`answered at ${index}`)).toBeVisible();
      await expectConverged(canvasElement, dc, "service-00");
    }
  },
};
