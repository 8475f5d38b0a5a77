import type { Meta, StoryObj } from "@storybook/react-vite";
import { useEffect, useState } from "react";
import {
  MaterializerProvider,
  type MaterializerRegistry,
  serviceHealthRequest,
} from "react-submatview";
import {
  createDemoEnvironment,
  createFlakyRegistry,
  createStalledRegistry,
  type DemoEnvironment,
} from "./demo-environment.js";
import { ServiceHealthTable } from "./service-health-table.js";

interface Args {
  /** Service to watch. */
  service: string;
  /** Catalog changes per second (0: none). */
  churnPerSecond: number;
  /** Tests pass their own datacenter to drive it deterministically. */
  environment?: DemoEnvironment;
  /** Which registry the provider gets. */
  mode: "live" | "loading" | "reconnecting";
}

function LiveServiceHealth({ service, churnPerSecond, environment, mode }: Args) {
  const [env] = useState(() => environment ?? createDemoEnvironment());
  const [registry] = useState<MaterializerRegistry>(() =>
    mode === "loading"
      ? createStalledRegistry()
      : mode === "reconnecting"
        ? createFlakyRegistry(env)
        : env.registry,
  );
  useEffect(
    () => (churnPerSecond > 0 ? env.churn(churnPerSecond) : undefined),
    [env, churnPerSecond],
  );
  useEffect(() => () => registry.dispose(), [registry]);
  return (
    <MaterializerProvider registry={registry}>
      <ServiceHealthTable
        request={serviceHealthRequest({ service })}
        title={`Service ${service}`}
      />
    </MaterializerProvider>
  );
}

const meta = {
  title: "Live views/Service health",
  component: LiveServiceHealth,
  args: { service: "service-00", churnPerSecond: 4, mode: "live" },
} satisfies Meta<typeof LiveServiceHealth>;
export default meta;

type Story = StoryObj<typeof meta>;

/** The real EventPublisher and HealthCatalog run in the browser behind Connect's router transport. */
export const Live: Story = {};

/** The snapshot has not arrived yet. */
export const Loading: Story = { args: { mode: "loading", churnPerSecond: 0 } };

/** The stream dropped after the snapshot: the last data stays visible, marked reconnecting. */
export const Reconnecting: Story = { args: { mode: "reconnecting", churnPerSecond: 0 } };
