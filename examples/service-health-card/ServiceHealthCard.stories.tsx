// Stories of the card: each picks a datacenter or a scenario (the same ones the tests use).
import type { Meta, StoryObj } from "@storybook/react-vite";
import { scenarios, withSubmatview } from "react-submatview/testing";
import { aclDenied, live, reconnecting, resnapshot } from "./fixtures.js";
import { ServiceHealthCard } from "./ServiceHealthCard.js";

const meta = {
  title: "Example/Service health card",
  component: ServiceHealthCard,
  decorators: [withSubmatview],
  args: { service: "web" },
} satisfies Meta<typeof ServiceHealthCard>;
export default meta;
type Story = StoryObj<typeof meta>;

export const Datacenter: Story = {
  args: { service: "service-00" },
  parameters: { submatview: { datacenter: { services: 3, seed: 7, churnPerSecond: 2 } } },
};
export const Loading: Story = { parameters: { submatview: { scenario: scenarios.loading() } } };
export const Live: Story = { parameters: { submatview: { scenario: live } } };
export const Empty: Story = { parameters: { submatview: { scenario: scenarios.empty() } } };
export const Reconnecting: Story = { parameters: { submatview: { scenario: reconnecting } } };
export const Failed: Story = { parameters: { submatview: { scenario: aclDenied } } };
export const Resnapshot: Story = { parameters: { submatview: { scenario: resnapshot } } };
