import { useId, useState, type ReactNode } from "react";
import { formatDateTime } from "../format";
import type { CandidateDetailResponse, JobDetailResponse } from "../services/types";
import { ErrorNotice } from "./Notice";

type Load<T> = { kind: "idle" } | { kind: "loading" } | { kind: "ready"; data: T } | { kind: "error"; error: unknown };

export interface DetailToggleProps<T> {
  /** Names the match in the button's accessible name ("Details: Data Engineer"). */
  subject: string;
  /** Fetches the detail; called the first time the panel opens (and on retry). */
  load: () => Promise<T>;
  render: (data: T) => ReactNode;
}

/** A "Details" button that opens the full job or candidate below it, fetched on first open. */
export function DetailToggle<T>({ subject, load, render }: DetailToggleProps<T>) {
  const [open, setOpen] = useState(false);
  const [state, setState] = useState<Load<T>>({ kind: "idle" });
  const panelId = useId();

  function fetchDetail() {
    setState({ kind: "loading" });
    load().then(
      (data) => setState({ kind: "ready", data }),
      (error: unknown) => setState({ kind: "error", error }),
    );
  }

  return (
    <div className="detail">
      <button
        type="button"
        className="button button--small"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={`${open ? "Hide details" : "Details"}: ${subject}`}
        onClick={() => {
          const next = !open;
          setOpen(next);
          if (next && (state.kind === "idle" || state.kind === "error")) fetchDetail();
        }}
      >
        {open ? "Hide details" : "Details"}
      </button>
      <div id={panelId} className="detail__panel" hidden={!open} role="region" aria-label={`Details of ${subject}`}>
        {open && state.kind === "loading" ? <p className="muted">Loading details…</p> : null}
        {open && state.kind === "error" ? <ErrorNotice error={state.error} onRetry={fetchDetail} /> : null}
        {open && state.kind === "ready" ? render(state.data) : null}
      </div>
    </div>
  );
}

function salary(min: number | null | undefined, max: number | null | undefined, currency: string | null | undefined) {
  if (min == null && max == null) return null;
  const money = (n: number) => n.toLocaleString("en-US");
  const range = min != null && max != null ? `${money(min)}–${money(max)}` : money((min ?? max)!);
  return `${range} ${currency ?? ""}`.trim();
}

function years(value: number): string {
  return `${Number.isInteger(value) ? value : value.toFixed(1)} year${value === 1 ? "" : "s"}`;
}

/** GET /jobs/{id}: what the talent needs to decide, one click from a job card. */
export function JobDetailView({ job }: { job: JobDetailResponse }) {
  const pay = salary(job.salary_min, job.salary_max, job.currency);
  const required = job.skills.filter((s) => s.required);
  const nice = job.skills.filter((s) => !s.required);
  return (
    <div className="detail__body" data-testid="job-detail">
      <dl className="facts">
        <div>
          <dt>Company</dt>
          <dd>
            {job.company.name} · {job.company.industry} · {job.company.size}
          </dd>
        </div>
        <div>
          <dt>Where</dt>
          <dd>
            {[job.location_name, job.remote_policy].filter(Boolean).join(" · ")}
            {job.timezone ? ` (${job.timezone})` : ""}
          </dd>
        </div>
        <div>
          <dt>Level</dt>
          <dd>
            {job.seniority}, {years(job.min_years)}
            {job.max_years != null ? `–${years(job.max_years)}` : "+"}
          </dd>
        </div>
        {pay ? (
          <div>
            <dt>Salary</dt>
            <dd>{pay}</dd>
          </div>
        ) : null}
        <div>
          <dt>Status</dt>
          <dd>
            {job.status} · posted {formatDateTime(job.created_at)}
          </dd>
        </div>
      </dl>
      {required.length > 0 ? (
        <p className="skills">
          <strong>Required:</strong> {required.map((s) => `${s.name} (${s.min_proficiency}/5)`).join(", ")}
        </p>
      ) : null}
      {nice.length > 0 ? (
        <p className="skills">
          <strong>Nice to have:</strong> {nice.map((s) => s.name).join(", ")}
        </p>
      ) : null}
      {job.description ? <p className="detail__text">{job.description}</p> : null}
    </div>
  );
}

/** GET /talents/{id}: the candidate, with the private parts only once the server discloses them. */
export function CandidateDetailView({ candidate }: { candidate: CandidateDetailResponse }) {
  const pay = salary(candidate.salary_min, candidate.salary_max, candidate.currency);
  return (
    <div className="detail__body" data-testid="candidate-detail">
      <dl className="facts">
        <div>
          <dt>Headline</dt>
          <dd>{candidate.headline}</dd>
        </div>
        <div>
          <dt>Experience</dt>
          <dd>
            {candidate.seniority}, {years(candidate.years_experience)}
          </dd>
        </div>
        <div>
          <dt>Where</dt>
          <dd>
            {[candidate.location_name, `prefers ${candidate.remote_preference}`].filter(Boolean).join(" · ")}
          </dd>
        </div>
        {candidate.preferred_industries.length > 0 ? (
          <div>
            <dt>Industries</dt>
            <dd>{candidate.preferred_industries.join(", ")}</dd>
          </div>
        ) : null}
        {pay ? (
          <div>
            <dt>Expected salary</dt>
            <dd>{pay}</dd>
          </div>
        ) : null}
      </dl>
      {candidate.skills.length > 0 ? (
        <p className="skills">
          <strong>Skills:</strong>{" "}
          {candidate.skills.map((s) => `${s.name} (${s.proficiency}/5, ${years(s.years)})`).join(", ")}
        </p>
      ) : null}
      {candidate.disclosed ? (
        candidate.bio ? (
          <p className="detail__text">{candidate.bio}</p>
        ) : null
      ) : (
        <p className="muted">The résumé, bio and salary show once the candidate applies or you contact them.</p>
      )}
    </div>
  );
}
