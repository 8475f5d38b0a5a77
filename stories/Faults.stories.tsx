/**
 * The kit's stream faults on a live datacenter (the toolbar's "Stream fault" menu does the
 * same): each play function injects one while the catalog changes, then checks that the table
 * converges to the publisher's catalog (SPEC M6, P5, M8).
 */
import type { Meta, StoryObj } from "@storybook/react-vite";
import { injectFault } from "react-submatview/testing";
import { expect, within } from "storybook/test";
import { expectConverged, watchDom } from "./play.js";
import { ServiceHealthTable } from "./service-health-table.js";
import {
  backendOf,
  type DatacenterArgs,
  datacenterArgTypes,
  datacenterOf,
  withStoryBackend,
} from "./story-backend.js";

const meta = {
  title: "Live views/Faults",
  render: ({ service }) => <ServiceHealthTable service={service} />,
  decorators: [withStoryBackend],
  // No churn by default: the play functions change the catalog themselves.
  args: {
    service: "service-00",
    services: 2,
    instancesPerService: 6,
    churnPerSecond: 0,
    latencyMs: 0,
  },
  argTypes: datacenterArgTypes,
} satisfies Meta<{ service: string } & DatacenterArgs>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Changes every instance of service-00 in the catalog: a check flips, one goes, one comes. */
function changeCatalog(canvasElement: HTMLElement) {
  return datacenterOf(canvasElement).then((dc) => {
    const [first, second] = dc.catalog.specs().filter((s) => s.service === "service-00");
    if (first) dc.catalog.setStatus(first.node, first.id ?? first.service, "critical");
    if (second) dc.catalog.deregister(second.node, second.id ?? second.service);
    dc.catalog.register({ node: "node-new", service: "service-00", id: "service-00-new" });
  });
}

/** Connections drop (Unavailable): the view keeps its rows while it reconnects (SPEC M6). */
export const DropConnections: Story = {
  play: async ({ canvasElement }) => {
    const dc = await datacenterOf(canvasElement);
    await expectConverged(canvasElement, dc, "service-00");
    const blanked = watchDom(canvasElement, (root) => root.querySelectorAll("tr").length === 0);
    injectFault(await backendOf(canvasElement), "drop");
    await changeCatalog(canvasElement);
    await expectConverged(canvasElement, dc, "service-00");
    await expect(blanked.stop()).toBe(false);
  },
};

/** Streams reset (Aborted): the view is thrown away and rebuilt from a fresh snapshot. */
export const ResetStreams: Story = {
  play: async ({ canvasElement }) => {
    const dc = await datacenterOf(canvasElement);
    await expectConverged(canvasElement, dc, "service-00");
    injectFault(await backendOf(canvasElement), "reset");
    await changeCatalog(canvasElement);
    await expectConverged(canvasElement, dc, "service-00");
    await expect(await within(canvasElement).findByText("resynced 1×")).toBeVisible();
  },
};

/** The server is restored from an older snapshot: the view follows it down to a lower index. */
export const RestoreLowerIndex: Story = {
  play: async ({ canvasElement }) => {
    const dc = await datacenterOf(canvasElement);
    await changeCatalog(canvasElement);
    await expectConverged(canvasElement, dc, "service-00");
    const before = dc.index;
    injectFault(await backendOf(canvasElement), "restore");
    await expectConverged(canvasElement, dc, "service-00");
    await expect(dc.index).toBeLessThan(before);
    const index = await within(canvasElement).findByText(`index ${dc.index}`);
    await expect(index).toBeVisible();
    await changeCatalog(canvasElement);
    await expectConverged(canvasElement, dc, "service-00");
  },
};
