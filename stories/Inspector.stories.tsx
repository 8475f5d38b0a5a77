/**
 * The registry inspector (`react-submatview/devtools`) beside the views it describes: one row
 * per registry entry, live, never the token (SPEC R1, R4).
 */
import type { Meta, StoryObj } from "@storybook/react-vite";
import { RegistryInspector } from "react-submatview/devtools";
import { injectFault } from "react-submatview/testing";
import { expect, waitFor, within } from "storybook/test";
import { BlockingPanel } from "./blocking-panel.js";
import { expectConverged } from "./play.js";
import { ServiceHealthTable } from "./service-health-table.js";
import {
  backendOf,
  type DatacenterArgs,
  datacenterArgTypes,
  datacenterOf,
  withStoryBackend,
} from "./story-backend.js";

const TOKEN = "story-secret-token-0f3a";

const meta = {
  title: "Devtools/Registry inspector",
  decorators: [withStoryBackend],
  args: { services: 3, instancesPerService: 4, churnPerSecond: 2, latencyMs: 0 },
  argTypes: datacenterArgTypes,
  render: () => (
    <>
      <ServiceHealthTable service="service-00" token={TOKEN} />
      <ServiceHealthTable service="service-01" />
      <BlockingPanel service="service-01" />
      <div style={{ fontFamily: "system-ui, sans-serif" }}>
        <RegistryInspector />
      </div>
    </>
  ),
} satisfies Meta<DatacenterArgs>;
export default meta;
type Story = StoryObj<typeof meta>;

const inspectorRow = (root: HTMLElement, subject: string) =>
  within(root)
    .getByRole("region", { name: "Registry inspector" })
    .querySelector<HTMLElement>(`tr[data-subject="${subject}"]`);

/** Two entries (the blocking panel shares service-01's); a reset shows in both; no token. */
export const Live: Story = {
  args: { churnPerSecond: 0 },
  play: async ({ canvasElement }) => {
    const dc = await datacenterOf(canvasElement);
    const inspector = await within(canvasElement).findByRole("region", {
      name: "Registry inspector",
    });
    await waitFor(() => expect(inspector.querySelectorAll("tr[data-topic]")).toHaveLength(2));
    await waitFor(() =>
      expect(inspectorRow(canvasElement, "service-00")?.dataset.status).toBe("live"),
    );
    injectFault(await backendOf(canvasElement), "reset");
    dc.step();
    const table = within(canvasElement).getByRole("region", { name: "Service service-00" });
    await expectConverged(table, dc, "service-00");
    await waitFor(() => {
      for (const row of inspector.querySelectorAll("tr[data-topic]")) {
        expect(row.querySelectorAll("td")[7]?.textContent).toBe("1");
      }
    });
    // The entry carries the token (its hash shows), yet the page never shows the token itself.
    await expect(inspectorRow(canvasElement, "service-00")?.textContent).toMatch(/yes · /);
    await expect(canvasElement.textContent).not.toContain(TOKEN);
  },
};
