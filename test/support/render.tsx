import { createConnectTransport } from "@connectrpc/connect-web";
import { type RenderResult, render } from "@testing-library/react";
import type { ReactNode } from "react";
import { StrictMode } from "react";
import {
  MaterializerProvider,
  MaterializerRegistry,
  type MaterializerRegistryOptions,
} from "react-submatview";
import type { TestServer } from "./server.js";

/** A fresh registry over the test server (real HTTP through connect-web). */
export function serverRegistry(
  server: TestServer,
  options: Partial<MaterializerRegistryOptions> = {},
): MaterializerRegistry {
  return new MaterializerRegistry({
    transport: createConnectTransport({ baseUrl: server.url, useBinaryFormat: true }),
    retry: { random: () => 0, factorMs: 1 },
    ...options,
  });
}

/** Renders `ui` under a provider for `registry` (optionally in StrictMode). */
export function renderWith(
  registry: MaterializerRegistry,
  ui: ReactNode,
  options: { strict?: boolean } = {},
): RenderResult {
  const wrap = (children: ReactNode) => (
    <MaterializerProvider registry={registry}>{children}</MaterializerProvider>
  );
  return render(options.strict ? <StrictMode>{wrap(ui)}</StrictMode> : wrap(ui));
}
