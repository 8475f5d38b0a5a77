/** A story decorator: a fresh TanStack `QueryClient` per story render, cleared on unmount. */
import type { Decorator } from "@storybook/react-vite";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { type ComponentType, createElement, type ReactNode, useEffect, useState } from "react";

export const withQueryClient: Decorator = (Story, context) =>
  createElement(QueryClientScope, { key: context.id, Story });

function QueryClientScope({ Story }: { Story: ComponentType }): ReactNode {
  const [client] = useState(() => new QueryClient());
  useEffect(() => () => client.clear(), [client]);
  return (
    <QueryClientProvider client={client}>
      <Story />
    </QueryClientProvider>
  );
}
