import { useEffect, useRef, useState } from "react";
import { errorMessage } from "../services/mlMatchingService";
import type { FeedbackResponse, FeedbackType } from "../services/types";

export interface FeedbackOption {
  type: FeedbackType;
  label: string;
  /** Shown once the server recorded the feedback, e.g. "Application sent". */
  doneMessage: string;
  variant?: "primary" | "secondary";
}

export interface FeedbackButtonsProps {
  options: FeedbackOption[];
  /** Posts the feedback; `null` when the match cannot take feedback (no id). */
  onSend: ((type: FeedbackType) => Promise<FeedbackResponse>) | null;
  /** Names the match in the buttons' accessible names ("Apply: Data Engineer"). */
  subject: string;
}

type State =
  | { kind: "idle" }
  | { kind: "pending"; type: FeedbackType }
  | { kind: "done"; type: FeedbackType; created: boolean }
  | { kind: "error"; message: string };

/** Feedback buttons for one match: disabled while a request is in flight, then the outcome. */
export function FeedbackButtons({ options, onSend, subject }: FeedbackButtonsProps) {
  const [state, setState] = useState<State>({ kind: "idle" });
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  async function send(type: FeedbackType) {
    if (!onSend) return;
    setState({ kind: "pending", type });
    try {
      const result = await onSend(type);
      if (mounted.current) setState({ kind: "done", type, created: result.created });
    } catch (error) {
      if (mounted.current) setState({ kind: "error", message: errorMessage(error) });
    }
  }

  const disabled = onSend === null || state.kind === "pending" || state.kind === "done";
  let status = "";
  if (state.kind === "pending") status = "Sending…";
  if (state.kind === "done") {
    const option = options.find((o) => o.type === state.type);
    status = `${option?.doneMessage ?? "Recorded"}${state.created ? "" : " (already recorded)"}`;
  }

  return (
    <div className="feedback">
      <div className="feedback__buttons">
        {options.map((option) => (
          <button
            key={option.type}
            type="button"
            className={`button button--${option.variant ?? "secondary"}`}
            disabled={disabled}
            aria-pressed={state.kind === "done" ? state.type === option.type : undefined}
            aria-label={`${option.label}: ${subject}`}
            onClick={() => void send(option.type)}
          >
            {state.kind === "pending" && state.type === option.type ? `${option.label}…` : option.label}
          </button>
        ))}
      </div>
      <p className="feedback__status" role="status" aria-live="polite">
        {status}
      </p>
      {state.kind === "error" ? (
        <p className="feedback__error error" role="alert">
          Could not send feedback: {state.message}
        </p>
      ) : null}
    </div>
  );
}
