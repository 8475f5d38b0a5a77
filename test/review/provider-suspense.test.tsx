// Review (SPEC H1, H2): a Suspense boundary ABOVE the provider. A component that suspends on the
// first mount makes React throw the whole uncommitted subtree away, provider included, and retry
// it from scratch; the registry the provider created during the discarded render must not be
// lost with its stream (a new registry per retry = a new stream per retry, suspending forever).
import { cleanup, render, screen } from "@testing-library/react";
import { type ReactNode, StrictMode, Suspense } from "react";
import { MaterializerProvider, serviceHealthRequest, useMaterializedView } from "react-submatview";
import { afterEach, describe, expect, test } from "vitest";
import { countSubscriptions, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer | undefined;
afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
});

const RENDER_LIMIT = 40;

describe("SPEC H1/H2: Suspense above the provider", () => {
  test.for([
    ["", false],
    [" (StrictMode, inline retry options)", true],
  ] as const)(
    "the first snapshot is shown after one stream; no registry per retry%s",
    {
      timeout: 10_000,
    },
    async ([, strict]) => {
      server = await startTestServer();
      server.catalog.register({ node: "n1", service: "web", id: "web-1" });
      const opened = countSubscriptions(server.publisher);
      const transport = server.transport("connect");
      let renders = 0;
      function Names() {
        // A re-suspend loop shows up as a render count, not a spin.
        renders++;
        const { data } = useMaterializedView(serviceHealthRequest({ service: "web" }), {
          suspense: true,
        });
        return <p>names:{data?.nodes.map((n) => n.Service?.ID).join(",")}</p>;
      }
      function App({ children }: { children: ReactNode }) {
        return (
          <Suspense fallback={<p>fallback</p>}>
            <MaterializerProvider transport={transport} retry={{ factorMs: 1 }}>
              {children}
            </MaterializerProvider>
          </Suspense>
        );
      }
      const view = render(
        strict ? (
          <StrictMode>
            <App>
              <Names />
            </App>
          </StrictMode>
        ) : (
          <App>
            <Names />
          </App>
        ),
      );
      await opened(1);
      // Bounded: either the data shows, or the loop has opened a few streams in vain.
      await Promise.race([
        screen.findByText("names:web-1", {}, { timeout: 4_000 }),
        opened(4),
      ]).catch(() => {});
      expect(renders).toBeLessThan(RENDER_LIMIT);
      expect(server.publisher.stats().subscribers).toBe(1);
      expect(screen.getByText("names:web-1")).toBeTruthy();
      // The registry the committed provider owns is disposed on unmount: nothing lingers.
      view.unmount();
      await server.publisher.idle();
      expect(server.publisher.stats().subscribers).toBe(0);
    },
  );
});
