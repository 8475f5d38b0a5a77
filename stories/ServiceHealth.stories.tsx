/** The live table on the testing kit's backends: a churning datacenter or scripted streams. */
import type { Meta, StoryObj } from "@storybook/react-vite";
import { serviceHealthRequest } from "react-submatview";
import { scenarios, withSubmatview } from "react-submatview/testing";
import { ServiceHealthTable } from "./service-health-table.js";

const meta = {
  title: "Live views/Service health",
  component: ServiceHealthTable,
  decorators: [withSubmatview],
  args: { request: serviceHealthRequest({ service: "service-00" }), title: "Service service-00" },
  parameters: {
    submatview: { datacenter: { services: 4, instancesPerService: 5, churnPerSecond: 4 } },
  },
} satisfies Meta<typeof ServiceHealthTable>;
export default meta;

type Story = StoryObj<typeof meta>;

/** The real EventPublisher and HealthCatalog run in the browser behind Connect's router transport. */
export const Live: Story = {};

/** The snapshot has not arrived yet. */
export const Loading: Story = { parameters: { submatview: { scenario: scenarios.loading() } } };

/** The stream dropped after the snapshot: the last data stays visible, marked reconnecting. */
export const Reconnecting: Story = {
  parameters: {
    submatview: {
      scenario: scenarios.reconnecting({ message: "connection to the server was lost" }),
    },
  },
};
