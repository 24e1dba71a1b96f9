import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { errorMessage, type MlMatchingService } from "../services/mlMatchingService";
import type {
  EvaluationResultOut,
  HealthResponse,
  MatchResponse,
  ModelVersionResponse,
  RunStageResponse,
  TrainingRunResponse,
} from "../services/types";
import { formatDateTime, formatDuration, formatMetric } from "../format";
import { useLatestRequest } from "../useLatestRequest";
import { DriftPanel } from "./DriftPanel";
import { MatchCard } from "./MatchCard";
import { ErrorNotice, LiveStatus } from "./Notice";
import { sortByScore } from "./TalentDashboard";

export const DEFAULT_POLL_INTERVAL_MS = 2000;
/** Consecutive failed polls after which the dashboard stops asking about a run. */
const MAX_POLL_FAILURES = 3;

export interface AdminDashboardProps {
  service: MlMatchingService;
  /** Asks before activating a model; defaults to `window.confirm`. */
  confirm?: (message: string) => boolean;
  pollIntervalMs?: number;
}

interface Loadable<T> {
  data: T | null;
  loading: boolean;
  error: unknown;
}

function useLoadable<T>(fetcher: () => Promise<T>) {
  const [state, setState] = useState<Loadable<T>>({ data: null, loading: true, error: null });
  const { begin, isCurrent } = useLatestRequest();
  const reload = useCallback(async () => {
    const ticket = begin();
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const data = await fetcher();
      if (isCurrent(ticket)) setState({ data, loading: false, error: null });
    } catch (error) {
      if (isCurrent(ticket)) setState((s) => ({ ...s, loading: false, error }));
    }
  }, [fetcher, begin, isCurrent]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { ...state, reload };
}

// ---------------------------------------------------------------------------------------------

function HealthCard({ health }: { health: Loadable<HealthResponse> & { reload: () => Promise<void> } }) {
  const data = health.data;
  return (
    <section className="card admin-card" aria-labelledby="health-heading">
      <div className="card__heading">
        <h3 id="health-heading">Service health</h3>
        <button type="button" className="button button--small" onClick={() => void health.reload()}>
          Refresh
        </button>
      </div>
      {health.error ? <ErrorNotice error={health.error} /> : null}
      {data ? (
        <dl className="facts">
          <div>
            <dt>Status</dt>
            <dd>
              <span className={`pill pill--${data.status === "ok" ? "good" : "bad"}`}>{data.status}</span>
            </dd>
          </div>
          <div>
            <dt>Model version</dt>
            <dd>{data.model_version ?? "none"}</dd>
          </div>
          <div>
            <dt>Fallback active</dt>
            <dd>
              <span className={`pill pill--${data.fallback_active ? "bad" : "good"}`}>
                {data.fallback_active ? "yes (rule-based scoring)" : "no"}
              </span>
            </dd>
          </div>
          <div>
            <dt>Database</dt>
            <dd>
              <span className={`pill pill--${data.database_reachable ? "good" : "bad"}`}>
                {data.database_reachable ? "reachable" : "unreachable"}
              </span>
            </dd>
          </div>
          <div>
            <dt>Last trained</dt>
            <dd>{formatDateTime(data.last_trained)}</dd>
          </div>
          <div>
            <dt>Uptime</dt>
            <dd>{formatDuration(data.uptime_seconds)}</dd>
          </div>
        </dl>
      ) : health.loading ? (
        <p className="muted">Loading…</p>
      ) : null}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------

function ModelsTable({
  models,
  service,
  confirm,
  onActivated,
}: {
  models: Loadable<{ versions: ModelVersionResponse[] }> & { reload: () => Promise<void> };
  service: MlMatchingService;
  confirm: (message: string) => boolean;
  onActivated: () => void;
}) {
  const [pending, setPending] = useState<string | null>(null);
  const [status, setStatus] = useState("");
  const [error, setError] = useState<unknown>(null);

  async function activate(version: string) {
    if (!confirm(`Activate model ${version}? It will serve all new matches right away.`)) {
      setStatus(`Activation of ${version} cancelled.`);
      return;
    }
    setPending(version);
    setError(null);
    setStatus(`Activating ${version}…`);
    try {
      const activated = await service.activateModel(version);
      setStatus(`Model ${activated.version} is now active.`);
      await models.reload();
      onActivated();
    } catch (err) {
      setStatus("");
      setError(err);
    } finally {
      setPending(null);
    }
  }

  const versions = models.data?.versions ?? [];
  return (
    <section className="card admin-card admin-card--wide" aria-labelledby="models-heading">
      <div className="card__heading">
        <h3 id="models-heading">Model versions</h3>
        <button type="button" className="button button--small" onClick={() => void models.reload()}>
          Refresh
        </button>
      </div>
      <LiveStatus>{status}</LiveStatus>
      {error ? <ErrorNotice error={error} /> : null}
      {models.error ? <ErrorNotice error={models.error} /> : null}
      {models.loading && !models.data ? <p className="muted">Loading…</p> : null}
      {models.data && versions.length === 0 ? <p className="muted">No trained models yet.</p> : null}
      {versions.length > 0 ? (
        <div className="table-wrap table-wrap--stack" tabIndex={0} role="region" aria-labelledby="models-heading">
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">NDCG@10</th>
                <th scope="col">AUC</th>
                <th scope="col">Calibration error</th>
                <th scope="col">Train rows</th>
                <th scope="col">Trained</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {versions.map((model) => (
                <tr key={`${model.model_id}-${model.version}`} className={model.is_active ? "row--active" : ""}>
                  <th scope="row" className="mono" data-label="Version">
                    {model.version}
                  </th>
                  <td data-label="Status">
                    <span className={`pill pill--status-${model.status}`}>{model.status}</span>
                  </td>
                  <td data-label="NDCG@10">{formatMetric(model.headline.ndcg_at_10)}</td>
                  <td data-label="AUC">{formatMetric(model.headline.auc)}</td>
                  <td data-label="Calibration error">{formatMetric(model.headline.calibration_error)}</td>
                  <td data-label="Train rows">{model.train_rows.toLocaleString()}</td>
                  <td data-label="Trained">{formatDateTime(model.trained_at)}</td>
                  <td className="cell--action">
                    {model.is_active ? (
                      <span className="muted">active</span>
                    ) : !model.activatable ? (
                      <span className="muted cell-note">{model.activation_blocked_reason ?? "cannot be activated"}</span>
                    ) : (
                      <button
                        type="button"
                        className="button button--small"
                        disabled={pending !== null}
                        aria-label={`Activate model ${model.version}`}
                        onClick={() => void activate(model.version)}
                      >
                        {pending === model.version ? "Activating…" : "Activate"}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------

type TrainState =
  | { kind: "idle" }
  | { kind: "starting" }
  | { kind: "running"; runId: string; run: TrainingRunResponse | null }
  | { kind: "done"; run: TrainingRunResponse }
  | { kind: "error"; error: unknown; runId?: string };

const OUTCOMES: Record<TrainingRunResponse["outcome"], { label: string; tone: "good" | "bad" | "warn" }> = {
  promoted: { label: "Candidate promoted", tone: "good" },
  rejected: { label: "Candidate rejected", tone: "bad" },
  skipped: { label: "Skipped", tone: "warn" },
  failed: { label: "Failed", tone: "bad" },
  running: { label: "Running", tone: "warn" },
};

const STAGE_LABELS: Record<RunStageResponse["stage"], string> = {
  labels: "Labels",
  training: "Training",
  evaluation: "Evaluation",
  gate: "Gate",
};

const STATE_LABELS: Record<RunStageResponse["state"], string> = {
  done: "done",
  stopped: "stopped here",
  not_reached: "not reached",
};

const NUMBER_LABELS: Record<string, string> = {
  new_samples: "new samples",
  labelled_samples: "labelled samples",
  seed_rows: "seed rows",
  train_rows: "training rows",
  valid_rows: "validation rows",
  validation_talents: "validation talents",
  fit_rows: "rows fitted",
  champion: "champion",
  candidate_ndcg_at_10: "candidate NDCG@10",
  champion_ndcg_at_10: "champion NDCG@10",
  candidate_auc: "candidate AUC",
  champion_auc: "champion AUC",
  candidate_calibration_error: "candidate calibration error",
  champion_calibration_error: "champion calibration error",
  promoted: "promoted",
  reason: "reason",
  ndcg_gain: "NDCG gain",
  auc_change: "AUC change",
  external_passed: "external baselines passed",
};

function formatStageNumber(value: number | boolean | string): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString() : formatMetric(value);
  return value;
}

/** The run's stages in order with what each counted, so a skip or a rejection shows where it happened. */
function RunStages({ stages }: { stages: RunStageResponse[] }) {
  return (
    <ol className="run-stages" aria-label="Training run stages">
      {stages.map((stage) => {
        const numbers = Object.entries(stage.numbers).filter(
          (entry): entry is [string, number | boolean | string] => entry[1] !== null,
        );
        return (
          <li key={stage.stage} className={`run-stage run-stage--${stage.state}`}>
            <span className="run-stage__name">{STAGE_LABELS[stage.stage]}</span>{" "}
            <span className="run-stage__state">({STATE_LABELS[stage.state]})</span>
            {numbers.length > 0 ? (
              <span className="run-stage__numbers">
                {": "}
                {numbers.map(([key, value]) => `${NUMBER_LABELS[key] ?? key} ${formatStageNumber(value)}`).join(", ")}
              </span>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}

const RUN_METRICS: [string, string][] = [
  ["ndcg_at_10", "NDCG@10"],
  ["auc", "AUC"],
  ["calibration_error", "Calibration error"],
];

function RunMetrics({ run }: { run: TrainingRunResponse }) {
  const champion = (run.metrics.champion ?? {}) as Record<string, unknown>;
  const hasAny = RUN_METRICS.some(([key]) => typeof run.metrics[key] === "number");
  return (
    <>
      <dl className="facts">
        <div>
          <dt>Outcome</dt>
          <dd>
            <span className={`pill pill--${OUTCOMES[run.outcome].tone}`}>{OUTCOMES[run.outcome].label}</span>
          </dd>
        </div>
        <div>
          <dt>Candidate</dt>
          <dd className="mono">{run.candidate_version ?? "—"}</dd>
        </div>
        <div>
          <dt>Promoted</dt>
          <dd>{run.promoted ? "yes" : "no"}</dd>
        </div>
        {typeof run.metrics.new_samples === "number" ? (
          <div>
            <dt>New feedback samples</dt>
            <dd>{run.metrics.new_samples.toLocaleString()}</dd>
          </div>
        ) : null}
      </dl>
      {run.message ? <p className="run-message">{run.message}</p> : null}
      {run.stages.length > 0 ? <RunStages stages={run.stages} /> : null}
      {hasAny ? (
        <div className="table-wrap">
          <table aria-label="Training run metrics">
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col">Candidate</th>
                <th scope="col">Champion{typeof champion.version === "string" ? ` (${champion.version})` : ""}</th>
              </tr>
            </thead>
            <tbody>
              {RUN_METRICS.map(([key, label]) => (
                <tr key={key}>
                  <th scope="row">{label}</th>
                  <td>{formatMetric(run.metrics[key])}</td>
                  <td>{formatMetric(champion[key])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

function TrainPanel({
  service,
  pollIntervalMs,
  onFinished,
}: {
  service: MlMatchingService;
  pollIntervalMs: number;
  onFinished: () => void;
}) {
  const [force, setForce] = useState(false);
  const [state, setState] = useState<TrainState>({ kind: "idle" });
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      if (timer.current) clearTimeout(timer.current);
    };
  }, []);

  const poll = useCallback(
    (runId: string, failures: number) => {
      timer.current = setTimeout(async () => {
        timer.current = null;
        try {
          const run = await service.getTrainingRun(runId);
          if (!mounted.current) return;
          if (run.status === "running") {
            setState({ kind: "running", runId, run });
            poll(runId, 0);
          } else {
            setState({ kind: "done", run });
            onFinished();
          }
        } catch (error) {
          if (!mounted.current) return;
          if (failures + 1 >= MAX_POLL_FAILURES) setState({ kind: "error", error, runId });
          else poll(runId, failures + 1);
        }
      }, pollIntervalMs);
    },
    [service, pollIntervalMs, onFinished],
  );

  async function start(event: FormEvent) {
    event.preventDefault();
    setState({ kind: "starting" });
    try {
      const { run_id } = await service.triggerTraining(force);
      if (!mounted.current) return;
      setState({ kind: "running", runId: run_id, run: null });
      poll(run_id, 0);
    } catch (error) {
      if (mounted.current) setState({ kind: "error", error });
    }
  }

  const busy = state.kind === "starting" || state.kind === "running";
  let status = "";
  if (state.kind === "starting") status = "Starting a training run…";
  if (state.kind === "running") status = `Training run ${state.runId} is running…`;
  if (state.kind === "done") status = `Training run ${state.run.id} finished: ${OUTCOMES[state.run.outcome].label.toLowerCase()}.`;

  return (
    <section className="card admin-card" aria-labelledby="train-heading">
      <h3 id="train-heading">Retrain</h3>
      <form className="train-form" onSubmit={(e) => void start(e)}>
        <label className="checkbox">
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} disabled={busy} />
          <span>
            Force: train even if the weekly schedule is not due or too little new feedback arrived (a run still needs
            enough labelled feedback in total to train and compare a model)
          </span>
        </label>
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? "Training…" : "Train"}
        </button>
      </form>
      <LiveStatus>{status}</LiveStatus>
      {state.kind === "running" && busy ? <div className="spinner" aria-hidden="true" /> : null}
      {state.kind === "running" && state.run && state.run.stages.length > 0 ? <RunStages stages={state.run.stages} /> : null}
      {state.kind === "error" ? (
        <div className="notice notice--error" role="alert">
          <p>
            {state.runId ? `Lost track of training run ${state.runId}: ` : "Could not start training: "}
            {errorMessage(state.error)}
          </p>
        </div>
      ) : null}
      {state.kind === "done" ? <RunMetrics run={state.run} /> : null}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------

function EvaluationTable({
  evaluation,
}: {
  evaluation: Loadable<{ results: EvaluationResultOut[] }> & { reload: () => Promise<void> };
}) {
  const results = evaluation.data?.results ?? [];
  return (
    <section className="card admin-card admin-card--wide" aria-labelledby="evaluation-heading">
      <div className="card__heading">
        <h3 id="evaluation-heading">Skills extraction evaluation</h3>
        <button type="button" className="button button--small" onClick={() => void evaluation.reload()}>
          Refresh
        </button>
      </div>
      {evaluation.error ? <ErrorNotice error={evaluation.error} /> : null}
      {evaluation.loading && !evaluation.data ? <p className="muted">Loading…</p> : null}
      {evaluation.data && results.length === 0 ? <p className="muted">No evaluation results yet.</p> : null}
      {results.length > 0 ? (
        <div className="table-wrap table-wrap--stack" tabIndex={0} role="region" aria-labelledby="evaluation-heading">
          <table>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Model</th>
                <th scope="col">Dataset</th>
                <th scope="col">Samples</th>
                <th scope="col">Precision</th>
                <th scope="col">Recall</th>
                <th scope="col">F1</th>
                <th scope="col">Gate</th>
              </tr>
            </thead>
            <tbody>
              {results.map((r) => (
                <tr key={r.id}>
                  <th data-label="Run" scope="row">
                    {formatDateTime(r.created_at)}
                    {r.is_ci_run ? <span className="pill pill--muted">CI</span> : null}
                  </th>
                  <td data-label="Model" className="mono">{r.model_version}</td>
                  <td data-label="Dataset">{r.dataset_version}</td>
                  <td data-label="Samples">{r.sample_count.toLocaleString()}</td>
                  <td data-label="Precision">{formatMetric(r.overall_precision)}</td>
                  <td data-label="Recall">{formatMetric(r.overall_recall)}</td>
                  <td data-label="F1">{formatMetric(r.overall_f1)}</td>
                  <td data-label="Gate">
                    {r.threshold_passed === null ? (
                      "—"
                    ) : (
                      <span className={`pill pill--${r.threshold_passed ? "good" : "bad"}`}>
                        {r.threshold_passed ? "passed" : "failed"}
                        {r.min_f1 !== null ? ` (min F1 ${formatMetric(r.min_f1, 2)})` : ""}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------

type LookupKind = "talent" | "job";

function MatchLookup({ service }: { service: MlMatchingService }) {
  const [kind, setKind] = useState<LookupKind>("talent");
  const [id, setId] = useState("");
  const [limit, setLimit] = useState(10);
  const [result, setResult] = useState<{ kind: LookupKind; response: MatchResponse } | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const { begin, isCurrent } = useLatestRequest();

  async function lookUp(event: FormEvent) {
    event.preventDefault();
    const trimmed = id.trim();
    if (!trimmed) {
      setError(new Error(`Enter a ${kind} id.`));
      return;
    }
    const ticket = begin();
    setLoading(true);
    setError(null);
    try {
      const response =
        kind === "talent"
          ? await service.getTalentMatches(trimmed, limit, 0)
          : await service.getJobMatches(trimmed, limit, 0);
      if (isCurrent(ticket)) setResult({ kind, response });
    } catch (err) {
      if (isCurrent(ticket)) {
        setError(err);
        setResult(null);
      }
    } finally {
      if (isCurrent(ticket)) setLoading(false);
    }
  }

  const matches = result ? sortByScore(result.response.matches) : [];
  return (
    <section className="card admin-card admin-card--wide" aria-labelledby="lookup-heading">
      <h3 id="lookup-heading">Look up matches</h3>
      <form className="toolbar" onSubmit={(e) => void lookUp(e)}>
        <fieldset className="radio-group">
          <legend>Direction</legend>
          <label>
            <input type="radio" name="lookup-kind" checked={kind === "talent"} onChange={() => setKind("talent")} />
            Jobs for a talent
          </label>
          <label>
            <input type="radio" name="lookup-kind" checked={kind === "job"} onChange={() => setKind("job")} />
            Talent for a job
          </label>
        </fieldset>
        <label className="field field--wide">
          <span>{kind === "talent" ? "Talent id" : "Job id"}</span>
          <input
            type="text"
            value={id}
            spellCheck={false}
            autoComplete="off"
            placeholder="00000000-0000-0000-0000-000000000000"
            onChange={(e) => setId(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Limit</span>
          <input
            type="number"
            min={1}
            max={100}
            value={limit}
            onChange={(e) => setLimit(Math.min(100, Math.max(1, Number(e.target.value) || 1)))}
          />
        </label>
        <button type="submit" className="button button--primary" disabled={loading}>
          Show matches
        </button>
      </form>
      <LiveStatus>
        {loading
          ? "Loading matches…"
          : result
            ? `${matches.length} ${result.kind === "talent" ? "job" : "talent"} match${matches.length === 1 ? "" : "es"}`
            : ""}
      </LiveStatus>
      {error ? <ErrorNotice error={error} /> : null}
      {matches.length > 0 ? (
        <ol className="match-list" aria-label="Lookup results">
          {matches.map((match, index) => (
            <li key={match.id ?? index}>
              <MatchCard match={match} rank={index + 1} headingLevel={4} />
            </li>
          ))}
        </ol>
      ) : null}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------

export function AdminDashboard({
  service,
  confirm = (message) => window.confirm(message),
  pollIntervalMs = DEFAULT_POLL_INTERVAL_MS,
}: AdminDashboardProps) {
  const health = useLoadable(useCallback(() => service.getHealth(), [service]));
  const models = useLoadable(useCallback(() => service.listModels(), [service]));
  const evaluation = useLoadable(useCallback(() => service.getEvaluationResults(), [service]));
  const reloadHealth = health.reload;
  const reloadModels = models.reload;

  const afterActivation = useCallback(() => void reloadHealth(), [reloadHealth]);
  const afterTraining = useCallback(() => {
    void reloadModels();
    void reloadHealth();
  }, [reloadModels, reloadHealth]);

  return (
    <section className="view" aria-labelledby="admin-heading">
      <div className="view__intro">
        <h2 id="admin-heading">Administration</h2>
        <p className="muted">Model health, versions, retraining and evaluation.</p>
      </div>
      <div className="admin-grid">
        <HealthCard health={health} />
        <TrainPanel service={service} pollIntervalMs={pollIntervalMs} onFinished={afterTraining} />
        <ModelsTable models={models} service={service} confirm={confirm} onActivated={afterActivation} />
        <EvaluationTable evaluation={evaluation} />
        <DriftPanel service={service} />
        <MatchLookup service={service} />
      </div>
    </section>
  );
}
