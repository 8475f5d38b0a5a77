/** The TanStack Query variant (SPEC Q1): `useMaterializedQuery` in a `QueryClientProvider`. */
import type { Meta, StoryObj } from "@storybook/react-vite";
import { injectFault } from "react-submatview/testing";
import { expectConverged } from "./play.js";
import { withQueryClient } from "./query-client.js";
import {
  backendOf,
  type DatacenterArgs,
  datacenterArgTypes,
  datacenterOf,
  withStoryBackend,
} from "./story-backend.js";
import { TanStackHealthTable } from "./tanstack-health-table.js";

const meta = {
  title: "Live views/TanStack Query",
  component: TanStackHealthTable,
  decorators: [withQueryClient, withStoryBackend],
  args: {
    service: "service-00",
    services: 4,
    instancesPerService: 5,
    churnPerSecond: 4,
    latencyMs: 0,
  },
  argTypes: datacenterArgTypes,
} satisfies Meta<{ service: string } & DatacenterArgs>;
export default meta;
type Story = StoryObj<typeof meta>;

/** The query's data follows the stream; after a reset it converges to the catalog again. */
export const Live: Story = {
  play: async ({ canvasElement }) => {
    const dc = await datacenterOf(canvasElement);
    await expectConverged(canvasElement, dc, "service-00");
    injectFault(await backendOf(canvasElement), "reset");
    dc.step();
    await expectConverged(canvasElement, dc, "service-00");
  },
};
