import type { ReactNode } from "react";
import { errorMessage } from "../services/mlMatchingService";

export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div className="notice notice--error" role="alert">
      <p>{errorMessage(error)}</p>
      {onRetry ? (
        <button type="button" className="button button--secondary" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** A polite live region: screen readers announce its text when it changes. */
export function LiveStatus({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <p className={className ?? "live-status"} role="status" aria-live="polite">
      {children}
    </p>
  );
}
