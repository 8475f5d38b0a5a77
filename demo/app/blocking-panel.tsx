/**
 * Blocking index queries (SPEC H3, M8): `useBlockingQuery` re-asks with `minIndex` = the last
 * index, as Consul's agent cache does; each answer is listed with the minIndex it waited on.
 */
import { useEffect, useRef, useState } from "react";
import {
  type BlockingResult,
  type ServiceHealthResult,
  serviceHealthRequest,
  useBlockingQuery,
} from "react-submatview";

interface Round {
  readonly minIndex: bigint;
  readonly index: bigint;
  readonly kind: "update" | "timeout" | "reset" | "error";
  readonly summary: string;
}

type StatusCounts = { passing: number; warning: number; critical: number };

const countStatuses = (result: ServiceHealthResult): StatusCounts => {
  const counts = { passing: 0, warning: 0, critical: 0 };
  for (const csn of result.nodes) {
    const status = csn.Checks[0]?.Status;
    if (status === "passing" || status === "warning" || status === "critical") counts[status]++;
  }
  return counts;
};

export function BlockingPanel({ service }: { service: string }) {
  const result = useBlockingQuery(serviceHealthRequest({ service }), {
    timeoutMs: 15_000,
    select: countStatuses,
  });
  const rounds = useRounds(service, result);
  const minIndex = rounds[0]?.index ?? 0n;
  const counts = result.data;
  return (
    <section
      className="card blocking"
      aria-label={`Blocking query: ${service}`}
      data-testid="blocking"
      data-index={result.index.toString()}
    >
      <h2>
        Blocking query <small className="muted">useBlockingQuery</small>
      </h2>
      <p className="view-status">
        <span className={`answer answer-${rounds[0]?.kind ?? "waiting"}`}>
          {rounds[0] ? `last answer: ${rounds[0].kind}` : "waiting"}
        </span>
        <span className="muted">
          index <b>{result.index.toString()}</b>
        </span>
        {result.error && <span className="error-note">{result.error.message}</span>}
      </p>
      <p className="blocking-line">
        next query waits for an index above <b data-testid="min-index">{minIndex.toString()}</b>
      </p>
      {counts && (
        <p className="counts">
          <span className="badge badge-passing">{counts.passing} passing</span>
          <span className="badge badge-warning">{counts.warning} warning</span>
          <span className="badge badge-critical">{counts.critical} critical</span>
        </p>
      )}
      <ol className="rounds">
        {rounds.map((round) => (
          <li key={`${round.minIndex}-${round.index}-${round.kind}`} data-kind={round.kind}>
            <span className="mono">
              minIndex {round.minIndex.toString()} → {round.index.toString()}
            </span>{" "}
            <span className={`round-${round.kind}`}>{round.summary}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** The last answers, newest first (reset when the service changes). */
function useRounds(service: string, result: BlockingResult<StatusCounts>): Round[] {
  const [rounds, setRounds] = useState<Round[]>([]);
  const last = useRef<{ service: string; result?: typeof result }>({ service });
  useEffect(() => {
    if (last.current.service !== service) {
      last.current = { service };
      setRounds([]);
    }
    const previous = last.current.result;
    last.current.result = result;
    if (result.isLoading || result.data === undefined || previous === result) return;
    const minIndex = previous?.index ?? 0n;
    const kind: Round["kind"] = result.error
      ? "error"
      : result.notModified
        ? "timeout"
        : result.index < minIndex
          ? "reset"
          : "update";
    const summary =
      kind === "reset"
        ? "reset: the index went back"
        : kind === "timeout"
          ? "timeout, not modified"
          : kind === "error"
            ? "error, last good state"
            : "new state";
    setRounds((list) => [{ minIndex, index: result.index, kind, summary }, ...list].slice(0, 6));
  }, [service, result]);
  return rounds;
}
