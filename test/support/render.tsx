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

/** `ui` under a provider for `registry` (optionally in StrictMode): for `rerender`. */
export function withRegistry(
  registry: MaterializerRegistry,
  ui: ReactNode,
  options: { strict?: boolean } = {},
): ReactNode {
  const wrapped = <MaterializerProvider registry={registry}>{ui}</MaterializerProvider>;
  return options.strict ? <StrictMode>{wrapped}</StrictMode> : wrapped;
}

/** Renders `ui` under a provider for `registry` (optionally in StrictMode). */
export function renderWith(
  registry: MaterializerRegistry,
  ui: ReactNode,
  options: { strict?: boolean } = {},
): RenderResult {
  return render(withRegistry(registry, ui, options));
}
