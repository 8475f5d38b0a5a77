/**
 * README "Inspector" code, verbatim (checked by readme-inspector.test.tsx), around a real
 * publisher: the testing kit's datacenter. `dc.dispose()` after the tests.
 */
import type { MaterializerRegistry } from "react-submatview";
import {
  MaterializerProvider,
  serviceHealthRequest,
  serviceListRequest,
  useMaterializedView,
} from "react-submatview";
import { inspectRegistry, RegistryInspector, useRegistrySnapshot } from "react-submatview/devtools";
import { createDatacenter } from "react-submatview/testing";

export const dc = createDatacenter({ services: 2, seed: 3 });
export const transport = dc.transport;

export function App() {
  const health = useMaterializedView(serviceHealthRequest({ service: "service-00" }));
  const list = useMaterializedView(serviceListRequest());
  return <p>{`${health.data?.nodes.length ?? "…"} of ${list.data?.services.length ?? "…"}`}</p>;
}

// README block 1
export const DebugApp = () => (
  <MaterializerProvider transport={transport}>
    <App />
    <RegistryInspector />
  </MaterializerProvider>
);

// README block 2
export function LiveViews() {
  const entries = useRegistrySnapshot(); // the nearest MaterializerProvider's registry
  return <p>{entries.filter((entry) => entry.status === "live").length} live views</p>;
}

// README block 3
export function watchLiveCount(registry: MaterializerRegistry, report: (live: number) => void) {
  const { getSnapshot, subscribe } = inspectRegistry(registry);
  return subscribe(() => report(getSnapshot().filter((e) => e.status === "live").length));
}
