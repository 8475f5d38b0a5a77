/**
 * Issue 7 item 5, SPEC H6 in real Chromium: more live views than HTTP/1.1 allows a page per
 * origin (6 connections, each stream holds one). Over `http:` 2 of the 8 streams are
 * queued by the browser: their views must say so (a ConnectionLimitError naming the fix), not
 * load forever, and go live once a connection frees up. Over HTTPS with HTTP/2 (serve({ tls }))
 * all 8 share one connection and all go live.
 */
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { MaterializerProvider } from "react-submatview";
import { afterEach, describe, expect, inject, test } from "vitest";
import { commands } from "vitest/browser";
import type { ServerName } from "./servers.js";
import { browserRegistry, HealthView, shownRows } from "./support/harness.js";

const servers = inject("browserServers");
const services = Array.from({ length: 8 }, (_, i) => `limit-${i}`);
let dispose: (() => void) | undefined;

afterEach(() => {
  cleanup();
  dispose?.();
});

async function renderViews(name: ServerName, url: string) {
  for (const service of services) await commands.serverChange(name, service, 1);
  const { registry } = browserRegistry(url);
  dispose = () => registry.dispose();
  const Views = ({ shown }: { shown: readonly string[] }) => (
    <MaterializerProvider registry={registry}>
      {shown.map((service) => (
        <HealthView key={service} service={service} />
      ))}
    </MaterializerProvider>
  );
  const result = render(<Views shown={services} />);
  const views = await Promise.all(services.map((service) => screen.findByTestId(service)));
  return {
    views,
    rerender: (shown: readonly string[]) => result.rerender(<Views shown={shown} />),
  };
}

const live = (view: HTMLElement) => view.dataset.status === "live";
const errorOf = (view: HTMLElement) => view.querySelector('[role="alert"]')?.textContent ?? "";

describe("SPEC H6: 8 distinct views to one origin", () => {
  test("over http: (HTTP/1.1) 6 go live, the 2 the browser queues show a ConnectionLimitError naming the fix, then go live when views leave", async () => {
    const { views, rerender } = await renderViews("limitH1", servers.limitH1);
    await waitFor(() => {
      expect(views.filter(live)).toHaveLength(6);
      expect(views.filter((v) => errorOf(v).startsWith("ConnectionLimitError"))).toHaveLength(2);
    });
    for (const stalled of views.filter((v) => !live(v))) {
      expect(stalled.dataset.loading).toBe("false");
      expect(stalled.dataset.status).toBe("connecting");
      expect(errorOf(stalled)).toMatch(/6 HTTP\/1\.1 connections per origin.*HTTP\/2.*share views/);
    }
    // Not terminal: two live views unmount, their connections free up, the queued ones go live.
    const stalledServices = views.filter((v) => !live(v)).map((v) => v.dataset.testid ?? "");
    const leaving = views
      .filter(live)
      .slice(0, 2)
      .map((v) => v.dataset.testid ?? "");
    rerender(services.filter((s) => !leaving.includes(s)));
    for (const service of stalledServices) {
      const view = screen.getByTestId(service);
      await waitFor(() => expect(live(view)).toBe(true));
      expect(errorOf(view)).toBe("");
      const server = await commands.serverState("limitH1", service);
      expect(shownRows(view)).toEqual(server.rows);
    }
  });

  test("over https: (HTTP/2, serve({ tls })) all 8 go live on one connection", async () => {
    expect(servers.limitH2).toMatch(/^https:/);
    const { views } = await renderViews("limitH2", servers.limitH2);
    await waitFor(() => expect(views.filter(live)).toHaveLength(8));
    expect(views.map(errorOf)).toEqual(services.map(() => ""));
    for (const view of views) {
      const server = await commands.serverState("limitH2", view.dataset.testid ?? "");
      expect(shownRows(view)).toEqual(server.rows);
    }
  });
});
