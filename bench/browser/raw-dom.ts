/**
 * The baseline issue 10 names: a raw connect-web consumer that writes the DOM itself — one
 * stream per key, shared by that key's tables; per event, one row's status cell and `data-t`.
 */
import { create } from "@bufbuild/protobuf";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { StateChangeSubscription, SubscribeRequestSchema, Topic } from "../../src/gen/index.js";

export function subscribeRequest(key: string) {
  return create(SubscribeRequestSchema, {
    Topic: Topic.ServiceHealth,
    Subject: { case: "NamedSubject", value: { Key: key } },
  });
}

export function mountRawDom(
  root: HTMLElement,
  transport: Transport,
  views: number,
  keys: number,
): void {
  const client: Client<typeof StateChangeSubscription> = createClient(
    StateChangeSubscription,
    transport,
  );
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
      for await (const event of client.subscribe(subscribeRequest(`k${k}`))) {
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
      }
    })();
  }
}
