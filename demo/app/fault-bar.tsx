/** The fault buttons: each calls `POST /control/<action>` on the demo server. */
import { useState } from "react";

const FAULTS = [
  {
    action: "drop",
    label: "Drop all streams",
    hint: "connections die; views keep data and resume",
  },
  { action: "reset", label: "Force reset (Aborted)", hint: "views resnapshot at the same index" },
  {
    action: "new-snapshot",
    label: "NewSnapshotToFollow",
    hint: "the resume is refused: full snapshot",
  },
  { action: "restore", label: "Restore to lower index", hint: "the server goes back in time" },
  { action: "stop-churn", label: "Stop churn", hint: "no more catalog changes" },
  { action: "resume-churn", label: "Resume churn", hint: "catalog changes again" },
] as const;

interface Outcome {
  readonly message: string;
  readonly index: string;
  readonly churning: boolean;
}

export function FaultBar() {
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [busy, setBusy] = useState(false);
  const run = async (action: string) => {
    setBusy(true);
    try {
      const response = await fetch(`/control/${action}`, { method: "POST" });
      setOutcome((await response.json()) as Outcome);
    } catch (error) {
      setOutcome({ message: String(error), index: "?", churning: outcome?.churning ?? true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <nav className="faults" aria-label="Faults">
      <div className="buttons">
        {FAULTS.map((fault) => (
          <button
            key={fault.action}
            type="button"
            data-action={fault.action}
            title={fault.hint}
            disabled={busy}
            onClick={() => void run(fault.action)}
          >
            {fault.label}
          </button>
        ))}
      </div>
      <output data-testid="fault-outcome" aria-live="polite">
        {outcome
          ? `${outcome.message} · server index ${outcome.index} · churn ${outcome.churning ? "on" : "off"}`
          : "The server churns its catalog; the buttons break things on purpose."}
      </output>
    </nav>
  );
}
