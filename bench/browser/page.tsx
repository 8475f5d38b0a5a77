/**
 * The latency page (bench/browser.ts): `views` tables over `keys` subjects, rendered either by
 * useMaterializedView ("ours") or by a raw connect-web consumer that writes the same DOM on
 * every event ("raw": one stream per key, shared by that key's tables). A MutationObserver
 * records, for every `data-t` (publish time) that reaches the DOM, now − t in ms.
 */

import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { createRoot } from "react-dom/client";
import { StateChangeSubscription, SubscribeRequestSchema, Topic } from "../../src/gen/index.js";
import {
  MaterializerProvider,
  serviceHealthRequest,
  useMaterializedView,
} from "../../src/react/index.js";

const params = new URLSearchParams(location.search);
const consumer = params.get("consumer") ?? "ours";
const views = Number(params.get("views") ?? 1);
const keys = Number(params.get("keys") ?? 1);
const transport = createConnectTransport({
  baseUrl: location.origin,
  useBinaryFormat: params.get("format") === "binary",
});
const clock = () => performance.timeOrigin + performance.now();
const latencies: number[] = [];
const seen = new Set<string>();
(window as unknown as { bench: unknown }).bench = { latencies, ready: false };
const root = document.getElementById("root")!;
new MutationObserver((records) => {
  const now = clock();
  for (const record of records) {
    const t = (record.target as Element).getAttribute?.("data-t");
    // Each publish time once, however many tables show it.
    if (t && !seen.has(t)) {
      seen.add(t);
      latencies.push(now - Number(t));
    }
  }
}).observe(root, { subtree: true, attributes: true, attributeFilter: ["data-t"] });

const keyOf = (view: number) => `k${view % keys}`;
const markReady = () => {
  if (root.querySelectorAll("tr").length >= views * 10)
    (window as unknown as { bench: { ready: boolean } }).bench.ready = true;
};

function Table({ service }: { service: string }) {
  const { data } = useMaterializedView(serviceHealthRequest({ service }));
  return (
    <table>
      <tbody>
        {data?.nodes.map((n) => (
          <tr key={n.Service?.ID} data-t={n.Node?.Meta.t}>
            <td>{n.Node?.Node}</td>
            <td>{n.Checks[0]?.Status}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

if (consumer === "ours") {
  const ids = Array.from({ length: views }, (_, i) => i);
  createRoot(root).render(
    <MaterializerProvider transport={transport}>
      {ids.map((i) => (
        <Table key={i} service={keyOf(i)} />
      ))}
    </MaterializerProvider>,
  );
  new MutationObserver(markReady).observe(root, { subtree: true, childList: true });
} else {
  const client = createClient(StateChangeSubscription, transport);
  for (let k = 0; k < keys; k++) {
    const tables: HTMLTableSectionElement[] = [];
    for (let v = 0; v < views; v++) {
      if (v % keys !== k) continue;
      const table = document.createElement("table");
      tables.push(table.createTBody());
      root.append(table);
    }
    const rows = new Map<string, HTMLTableRowElement[]>();
    (async () => {
      const request = create(SubscribeRequestSchema, {
        Topic: Topic.ServiceHealth,
        Subject: { case: "NamedSubject", value: { Key: `k${k}` } },
      });
      for await (const event of client.subscribe(request)) {
        if (event.Payload.case !== "ServiceHealth") continue;
        const csn = event.Payload.value.CheckServiceNode;
        const id = csn?.Service?.ID ?? "";
        let cells = rows.get(id);
        if (!cells) {
          cells = tables.map((body) => {
            const tr = body.insertRow();
            tr.insertCell().textContent = csn?.Node?.Node ?? "";
            tr.insertCell();
            return tr;
          });
          rows.set(id, cells);
        }
        for (const tr of cells) {
          tr.cells[1]!.textContent = csn?.Checks[0]?.Status ?? "";
          tr.setAttribute("data-t", csn?.Node?.Meta.t ?? "");
        }
        markReady();
      }
    })();
  }
}
