/** The demo page: fault buttons, the live views side by side, and the registry inspector. */
import { useState } from "react";
import { RegistryInspector } from "react-submatview/devtools";
import { BlockingPanel } from "./blocking-panel.js";
import { FaultBar } from "./fault-bar.js";
import { HealthTable } from "./health-table.js";
import { ServiceList } from "./service-list.js";
import { TanStackPanel } from "./tanstack-panel.js";

/** The service the TanStack Query panel follows (its own stream unless it is selected too). */
const TANSTACK_SERVICE = "service-01";

export function App() {
  const [selected, setSelected] = useState("service-00");
  return (
    <div className="page">
      <header className="masthead">
        <div>
          <h1>
            react-submatview <span>live demo</span>
          </h1>
          <p>
            Consul-style materialized views over a <code>Subscribe</code> stream: one snapshot, then
            live events, resumed by index. Press a fault and watch every view recover.
          </p>
        </div>
        <FaultBar />
      </header>
      <ServiceList selected={selected} onSelect={setSelected} />
      <main className="grid">
        <HealthTable service={selected} />
        <BlockingPanel service={selected} />
        <TanStackPanel service={TANSTACK_SERVICE} />
      </main>
      <RegistryInspector className="card inspector" title="Registry inspector" />
      <footer>
        Three streams on this page (services, {selected}, {TANSTACK_SERVICE}): the table and the
        blocking query share one. Rows are the server's; nothing here polls.
      </footer>
    </div>
  );
}
