/** The ServiceList topic (wildcard subject): every service name, live. */
import { serviceListRequest, useMaterializedView } from "react-submatview";
import { ViewStatus } from "./view-status.js";

export function ServiceList(props: { selected: string; onSelect: (service: string) => void }) {
  const { data, index, status, error, resets, isLoading } = useMaterializedView(
    serviceListRequest(),
  );
  return (
    <section className="card services" aria-label="Services">
      <div className="card-head">
        <h2>
          Services <small className="muted">ServiceList topic · click one to follow it</small>
        </h2>
        <ViewStatus status={status} index={index} resets={resets} error={error} />
      </div>
      {isLoading && <p className="muted">loading…</p>}
      <ul data-testid="service-list">
        {data?.services.map(({ name }) => (
          <li key={name} data-service={name}>
            <button
              type="button"
              aria-pressed={name === props.selected}
              onClick={() => props.onSelect(name)}
            >
              {name}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
