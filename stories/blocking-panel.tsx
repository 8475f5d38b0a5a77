/**
 * A blocking-query panel: `useBlockingQuery` asks again from each answer's index, as Consul's
 * agent cache does (SPEC H3, M8); it lists the indexes it was answered at.
 */
import { useEffect, useMemo, useState } from "react";
import { serviceHealthRequest, useBlockingQuery } from "react-submatview";
import { HealthTable } from "./health-table.js";

export interface BlockingPanelProps {
  readonly service: string;
  /** Bounds each query; a timeout answers "not modified" and the panel asks again. */
  readonly timeoutMs?: number;
}

export function BlockingPanel({ service, timeoutMs }: BlockingPanelProps) {
  const request = useMemo(() => serviceHealthRequest({ service }), [service]);
  const result = useBlockingQuery(request, { timeoutMs });
  const { data, status, error, isLoading, index, resets, notModified } = result;
  const [answers, setAnswers] = useState<readonly bigint[]>([]);
  useEffect(() => {
    if (isLoading || error || notModified) return;
    setAnswers((seen) => (seen.at(-1) === index ? seen : [...seen.slice(-5), index]));
  }, [isLoading, error, notModified, index]);
  return (
    <div style={{ fontFamily: "system-ui, sans-serif" }}>
      <p data-testid="min-index">
        blocking until index &gt; {index.toString()}
        {notModified ? " (the last query timed out: not modified)" : ""}
      </p>
      <ol data-testid="answers" style={{ display: "flex", gap: 16, padding: 0, listStyle: "none" }}>
        {answers.map((at) => (
          <li key={at.toString()}>answered at {at.toString()}</li>
        ))}
      </ol>
      <HealthTable
        title={`Blocking query: ${service}`}
        status={status}
        error={error}
        index={index}
        resets={resets}
        loading={isLoading}
        nodes={data?.nodes}
        stale={status !== "live"}
      />
    </div>
  );
}
