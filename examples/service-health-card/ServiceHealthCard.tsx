// A service health card: an ordinary component built on the public hook (react-submatview).
import { serviceHealthRequest, useMaterializedView } from "react-submatview";

export interface ServiceHealthCardProps {
  service: string;
  token?: string;
  /** Suspend until the first snapshot (wrap the card in <Suspense>). */
  suspense?: boolean;
}

export function ServiceHealthCard({ service, token, suspense }: ServiceHealthCardProps) {
  const { data, status, error, isLoading } = useMaterializedView(
    serviceHealthRequest({ service, token }),
    { suspense },
  );
  if (status === "failed")
    return (
      <p role="alert">
        Cannot watch {service}: {error?.message}
      </p>
    );
  if (isLoading) return <p>Loading {service}…</p>;
  const nodes = data?.nodes ?? [];
  const passing = nodes.filter((n) => n.Checks.every((c) => c.Status === "passing")).length;
  return (
    <section aria-label={service}>
      <h3>{service}</h3>
      <p>
        {passing} of {nodes.length} passing
        {status === "reconnecting" ? " · reconnecting…" : ""}
      </p>
      <ul>
        {nodes.map((n) => (
          <li key={`${n.Node?.Node}/${n.Service?.ID}`}>
            {n.Service?.ID} on {n.Node?.Node}: {n.Checks[0]?.Status ?? "unknown"}
          </li>
        ))}
      </ul>
    </section>
  );
}
