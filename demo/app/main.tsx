/** The demo page's entry: one transport, one registry, one query client for the whole page. */
import { createConnectTransport } from "@connectrpc/connect-web";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { MaterializerProvider } from "react-submatview";
import { App } from "./app.js";

// The page and the RPCs share one origin and one server (`npm start`).
const baseUrl = window.location.origin;
const transport = createConnectTransport({ baseUrl, useBinaryFormat: true });
const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      {/* A short idle TTL: over HTTP/1.1 each open stream holds one of the page's 6
          connections (SPEC H6), so views left behind must let go soon. */}
      <MaterializerProvider transport={transport} baseUrl={baseUrl} idleTtlMs={5_000}>
        <App />
      </MaterializerProvider>
    </QueryClientProvider>
  </StrictMode>,
);
