import { useId } from "react";
import { REMOTE_POLICIES, REMOTE_PREFERENCES, SENIORITY_LEVELS, type Seniority } from "../api/enums";

/** What the filter form holds: text fields as typed, checkboxes as lists. */
export interface FilterValues {
  remote: string[];
  radiusKm: string;
  /** Jobs: salary floor (the job's top reaches it). Talents: budget (the talent's bottom is at most it). */
  salary: string;
  seniority: Seniority[];
  /** Comma-separated skill names; every one must be listed. */
  skills: string;
  /** Talents only: at least this many years. */
  minYears: string;
}

export const NO_FILTERS: FilterValues = { remote: [], radiusKm: "", salary: "", seniority: [], skills: "", minYears: "" };

export type FilterKind = "jobs" | "talents";

function positive(text: string): number | undefined {
  const value = Number(text);
  return text.trim() !== "" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The request's `filters` object (JobFilters or TalentFilters), or null when nothing is set. */
export function requestFilters(kind: FilterKind, values: FilterValues): Record<string, unknown> | null {
  const filters: Record<string, unknown> = {};
  if (values.remote.length > 0) filters.remote = values.remote;
  const radius = positive(values.radiusKm);
  if (radius !== undefined && radius > 0) filters.radius_km = radius;
  const salary = positive(values.salary);
  if (salary !== undefined) filters[kind === "jobs" ? "salary_min" : "salary_max"] = Math.round(salary);
  if (values.seniority.length > 0) filters.seniority = values.seniority;
  const skills = values.skills
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (skills.length > 0) filters.skills = skills;
  const years = positive(values.minYears);
  if (kind === "talents" && years !== undefined) filters.min_years = years;
  return Object.keys(filters).length > 0 ? filters : null;
}

/** How many filters are set, for the disclosure's label. */
export function countFilters(kind: FilterKind, values: FilterValues): number {
  return Object.keys(requestFilters(kind, values) ?? {}).length;
}

function toggle<T>(list: T[], item: T, on: boolean): T[] {
  return on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item);
}

export interface MatchFiltersProps {
  kind: FilterKind;
  values: FilterValues;
  onChange: (values: FilterValues) => void;
}

/**
 * The server-side filters of a match list (remote, radius, salary, seniority, skills, years),
 * in a disclosure so the toolbar stays small; the list's Refresh applies them.
 */
export function MatchFilters({ kind, values, onChange }: MatchFiltersProps) {
  const id = useId();
  const set = (patch: Partial<FilterValues>) => onChange({ ...values, ...patch });
  const remoteChoices: readonly string[] = kind === "jobs" ? REMOTE_POLICIES : REMOTE_PREFERENCES;
  const count = countFilters(kind, values);
  return (
    <details className="filters">
      <summary>Filters{count > 0 ? ` (${count})` : ""}</summary>
      <div className="filters__body">
        <fieldset className="radio-group">
          <legend>{kind === "jobs" ? "Remote policy" : "Remote preference"}</legend>
          {remoteChoices.map((choice) => (
            <label key={choice}>
              <input
                type="checkbox"
                checked={values.remote.includes(choice)}
                onChange={(e) => set({ remote: toggle(values.remote, choice, e.target.checked) })}
              />
              {choice}
            </label>
          ))}
        </fieldset>
        <fieldset className="radio-group">
          <legend>Seniority</legend>
          {SENIORITY_LEVELS.map((level) => (
            <label key={level}>
              <input
                type="checkbox"
                checked={values.seniority.includes(level)}
                onChange={(e) => set({ seniority: toggle(values.seniority, level, e.target.checked) })}
              />
              {level}
            </label>
          ))}
        </fieldset>
        <div className="filters__fields">
          <label className="field" htmlFor={`${id}-radius`}>
            <span>Within (km)</span>
            <input
              id={`${id}-radius`}
              type="number"
              min={1}
              inputMode="numeric"
              value={values.radiusKm}
              onChange={(e) => set({ radiusKm: e.target.value })}
            />
          </label>
          <label className="field" htmlFor={`${id}-salary`}>
            <span>{kind === "jobs" ? "Salary at least" : "Budget up to"}</span>
            <input
              id={`${id}-salary`}
              type="number"
              min={0}
              step={1000}
              inputMode="numeric"
              value={values.salary}
              onChange={(e) => set({ salary: e.target.value })}
            />
          </label>
          {kind === "talents" ? (
            <label className="field" htmlFor={`${id}-years`}>
              <span>Years at least</span>
              <input
                id={`${id}-years`}
                type="number"
                min={0}
                step={0.5}
                value={values.minYears}
                onChange={(e) => set({ minYears: e.target.value })}
              />
            </label>
          ) : null}
          <label className="field field--wide" htmlFor={`${id}-skills`}>
            <span>Skills (all of, comma-separated)</span>
            <input
              id={`${id}-skills`}
              type="text"
              autoComplete="off"
              value={values.skills}
              onChange={(e) => set({ skills: e.target.value })}
            />
          </label>
        </div>
        <button type="button" className="button button--small" onClick={() => onChange(NO_FILTERS)} disabled={count === 0}>
          Clear filters
        </button>
      </div>
    </details>
  );
}
