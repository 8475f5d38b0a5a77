/**
 * Ours on the latency page: `views` tables, each `useMaterializedView` of its key's service
 * health, under one provider on the page's transport, rendering the same <Rows> as the raw
 * React baseline.
 */
import type { Transport } from "@connectrpc/connect";
import { createRoot } from "react-dom/client";
import {
  MaterializerProvider,
  serviceHealthRequest,
  useMaterializedView,
} from "../../src/react/index.js";
import { Rows } from "./rows.js";

function Table({ service }: { service: string }) {
  const { data } = useMaterializedView(serviceHealthRequest({ service }));
  return <Rows nodes={data?.nodes} />;
}

export function mountOurs(
  root: HTMLElement,
  transport: Transport,
  views: number,
  keys: number,
): void {
  createRoot(root).render(
    <MaterializerProvider transport={transport}>
      {Array.from({ length: views }, (_, i) => i).map((id) => (
        <Table key={id} service={`k${id % keys}`} />
      ))}
    </MaterializerProvider>,
  );
}
