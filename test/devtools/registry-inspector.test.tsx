// The registry inspector (react-submatview/devtools, issue 9 item 2): every registry entry,
// live, and never a token (SPEC R1).

import { Code, ConnectError } from "@connectrpc/connect";
import { act, cleanup, render, screen, within } from "@testing-library/react";
import {
  MaterializerProvider,
  MaterializerRegistry,
  serviceHealthRequest,
  serviceListRequest,
  tokenHash,
  useMaterializedView,
} from "react-submatview";
import { RegistryInspector } from "react-submatview/devtools";
import { afterEach, expect, test } from "vitest";
import { ev, PushableClient } from "../support/pushable-client.js";

const TOKEN = "s3cr3t-acl-token-7f3a9c21";

let registry: MaterializerRegistry | undefined;
afterEach(() => {
  cleanup();
  registry?.dispose();
  registry = undefined;
});

function Health({ service, token }: { service: string; token?: string }) {
  const { data } = useMaterializedView(serviceHealthRequest({ service, token }));
  return <p>{`${service}: ${data?.nodes.length ?? "…"}`}</p>;
}

function Services() {
  const { data } = useMaterializedView(serviceListRequest());
  return <p>{`services: ${data?.services.length ?? "…"}`}</p>;
}

function renderApp(client: PushableClient, ui: React.ReactNode) {
  registry = new MaterializerRegistry({ client, idleTtlMs: 60_000 });
  return render(
    <MaterializerProvider registry={registry}>
      {ui}
      <RegistryInspector />
    </MaterializerProvider>,
  );
}

const rowOf = (subject: string) =>
  screen
    .getByRole("region", { name: "Registry inspector" })
    .querySelector<HTMLTableRowElement>(`tr[data-subject="${subject}"]`);

test("lists every entry and follows it live: subscribers, status, index, events applied, resets, idle TTL", async () => {
  const client = new PushableClient();
  const { rerender } = renderApp(
    client,
    <>
      <Health service="web" />
      <Health service="web" />
      <Services />
    </>,
  );
  const web = await client.next();
  const list = await client.next();
  expect(await screen.findByText("2 entries")).toBeTruthy();
  expect(rowOf("web")?.dataset.status).toBe("connecting");
  const cells = () => Array.from(rowOf("web")!.cells, (cell) => cell.textContent);

  await act(async () => {
    web.push(ev.register(5n, "n1", "web-1"), ev.register(5n, "n2", "web-2"), ev.end(5n));
    list.push(ev.end(3n));
    await Promise.all([web.drained(), list.drained()]);
  });
  await screen.findAllByText("web: 2", undefined, { timeout: 5_000 });
  await within(rowOf("web")!).findByText("live");
  // Both <Health service="web"> hooks share one lease on the entry (363aab2): one reference.
  //            topic,          subject, token, subs, status, index, events, resets, idle, error
  expect(cells()).toEqual(["ServiceHealth", "web", "no", "1", "live", "5", "2", "0", "in use", ""]);
  expect(rowOf("*")?.cells[0]?.textContent).toBe("ServiceList");

  // A live event and a reset (Aborted → fresh snapshot) show up without any re-render from us.
  await act(async () => {
    web.push(ev.register(6n, "n3", "web-3"));
    web.fail(new ConnectError("subscription closed by server", Code.Aborted));
    const again = await client.next();
    again.push(ev.register(8n, "n1", "web-1"), ev.end(8n));
    await again.drained();
  });
  await within(rowOf("web")!).findByText("8");
  expect(cells()).toEqual(["ServiceHealth", "web", "no", "1", "live", "8", "4", "1", "in use", ""]);

  // Unmounting the readers leaves the entries idle: the TTL counts down from 60 s.
  rerender(
    <MaterializerProvider registry={registry!}>
      <RegistryInspector />
    </MaterializerProvider>,
  );
  await within(rowOf("web")!).findByText(/^(1m 00s|59s)$/);
  expect(rowOf("web")?.cells[3]?.textContent).toBe("0");
});

test("with a token present, the token never appears in the inspector's DOM, even in an echoed error (SPEC R1)", async () => {
  const client = new PushableClient();
  const { container } = renderApp(client, <Health service="web" token={TOKEN} />);
  const stream = await client.next();
  expect(stream.request.Token).toBe(TOKEN);
  await act(async () => {
    stream.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await stream.drained();
    stream.fail(new ConnectError(`ACL not found for token ${TOKEN}`, Code.PermissionDenied));
  });
  await within(rowOf("web")!).findByText("failed", undefined, { timeout: 5_000 });
  const row = rowOf("web")!;
  expect(row.cells[2]?.textContent).toBe(`yes · ${tokenHash(TOKEN).slice(0, 8)}`);
  expect(row.cells[9]?.textContent).toMatch(/ACL not found for token \[token\]/);
  expect(container.innerHTML).not.toContain(TOKEN);
  expect(document.body.innerHTML).not.toContain(TOKEN);
});
