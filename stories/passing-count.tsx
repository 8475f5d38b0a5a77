/**
 * A second view of the same request: how many instances pass, a `select`ed slice that
 * re-renders only when the count changes (SPEC H2).
 */
import { useMemo } from "react";
import {
  type ServiceHealthResult,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";

const passing = (r: ServiceHealthResult) => ({
  passing: r.nodes.filter((n) => n.Checks.every((c) => c.Status === "passing")).length,
  total: r.nodes.length,
});
const sameCount = (a: ReturnType<typeof passing>, b: ReturnType<typeof passing>) =>
  a.passing === b.passing && a.total === b.total;

export function PassingCount({ service }: { readonly service: string }) {
  const request = useMemo(() => serviceHealthRequest({ service }), [service]);
  const { data } = useMaterializedView(request, { select: passing, isEqual: sameCount });
  return (
    <p data-testid="passing-count" style={{ fontFamily: "system-ui, sans-serif" }}>
      {data ? `${data.passing} of ${data.total} passing` : "…"}
    </p>
  );
}
