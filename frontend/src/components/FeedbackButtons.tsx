import { useEffect, useRef, useState } from "react";
import { errorMessage } from "../services/mlMatchingService";
import type { Decision, FeedbackResponse, FeedbackType } from "../services/types";

export interface FeedbackOption {
  type: Exclude<FeedbackType, "undo">;
  label: string;
  /** Shown once the server recorded the feedback, e.g. "Application sent". */
  doneMessage: string;
  variant?: "primary" | "secondary";
}

/** What each decision is called on a card ("Applied"), for badges and messages. */
export const DECISION_LABELS: Record<Decision, string> = {
  applied: "Applied",
  dismissed: "Dismissed",
  contacted: "Contacted",
  rejected: "Rejected",
};

/** The decision a feedback type stands for (an older server's response may not say). */
export const DECISION_OF: Record<FeedbackOption["type"], Decision> = {
  apply: "applied",
  dismiss: "dismissed",
  contact: "contacted",
  reject: "rejected",
};

/** The label of the button that takes a decision back: a talent withdraws an application. */
export function undoLabel(decision: Decision): string {
  return decision === "applied" ? "Withdraw" : "Undo";
}

/** The side's decision after a feedback call: the server's word, else what the type means. */
export function decisionAfter(type: FeedbackType, response: FeedbackResponse): Decision | null {
  if (response.decision !== undefined) return response.decision;
  return type === "undo" ? null : DECISION_OF[type];
}

export interface FeedbackButtonsProps {
  options: FeedbackOption[];
  /** The side's current decision on this match (from the match result, then from each call). */
  decision: Decision | null;
  /** Posts the feedback; `null` when the match cannot take feedback (no id). */
  onSend: ((type: FeedbackType) => Promise<FeedbackResponse>) | null;
  /** Called with the new decision once the server recorded a call. */
  onDecided?: (decision: Decision | null, type: FeedbackType) => void;
  /** Names the match in the buttons' accessible names ("Apply: Data Engineer"). */
  subject: string;
}

type State =
  | { kind: "idle"; message: string }
  | { kind: "pending"; type: FeedbackType }
  | { kind: "error"; message: string };

/**
 * The decision buttons of one match. Without a decision: one button per option (Apply, Not
 * interested; Contact, Reject). With one: what it is and a button that takes it back (undo).
 * Buttons are disabled while a request is in flight; a failure is shown and can be retried.
 */
export function FeedbackButtons({ options, decision, onSend, onDecided, subject }: FeedbackButtonsProps) {
  const [state, setState] = useState<State>({ kind: "idle", message: "" });
  const mounted = useRef(true);
  const container = useRef<HTMLDivElement>(null);
  /** Set when a click replaced the buttons: keyboard focus moves to the new first button. */
  const refocus = useRef(false);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  useEffect(() => {
    if (!refocus.current) return;
    refocus.current = false;
    container.current?.querySelector<HTMLButtonElement>("button:not(:disabled)")?.focus();
  });

  async function send(type: FeedbackType) {
    if (!onSend) return;
    const hadFocus = container.current?.contains(document.activeElement) ?? false;
    setState({ kind: "pending", type });
    try {
      const result = await onSend(type);
      const next = decisionAfter(type, result);
      if (mounted.current) {
        refocus.current = hadFocus;
        const option = options.find((o) => o.type === type);
        const message =
          type === "undo"
            ? decision === "applied"
              ? "Application withdrawn"
              : "Decision undone"
            : `${option?.doneMessage ?? "Recorded"}${result.created ? "" : " (already recorded)"}`;
        setState({ kind: "idle", message });
      }
      onDecided?.(next, type);
    } catch (error) {
      if (mounted.current) {
        refocus.current = hadFocus;
        setState({ kind: "error", message: errorMessage(error) });
      }
    }
  }

  const pending = state.kind === "pending";
  const disabled = onSend === null || pending;
  const status = pending ? "Sending…" : state.kind === "idle" ? state.message : "";

  return (
    <div className="feedback">
      <div className="feedback__buttons" ref={container}>
        {decision ? (
          <button
            type="button"
            className="button button--secondary"
            disabled={disabled}
            aria-label={`${undoLabel(decision)}: ${subject}`}
            onClick={() => void send("undo")}
          >
            {pending ? `${undoLabel(decision)}…` : undoLabel(decision)}
          </button>
        ) : (
          options.map((option) => (
            <button
              key={option.type}
              type="button"
              className={`button button--${option.variant ?? "secondary"}`}
              disabled={disabled}
              aria-label={`${option.label}: ${subject}`}
              onClick={() => void send(option.type)}
            >
              {pending && state.type === option.type ? `${option.label}…` : option.label}
            </button>
          ))
        )}
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
