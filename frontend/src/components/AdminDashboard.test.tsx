import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../services/mlMatchingService";
import type {
  EvaluationResultsResponse,
  HealthResponse,
  ModelListResponse,
  ModelVersionResponse,
  TrainingRunResponse,
} from "../services/types";
import { fakeService, match } from "../test/fixtures";
import { AdminDashboard } from "./AdminDashboard";

const health: HealthResponse = {
  status: "ok",
  model_version: "20250101-aaaa",
  last_trained: "2025-01-01T10:00:00Z",
  uptime_seconds: 7200,
  database_reachable: true,
  fallback_active: false,
};

function num(value: unknown): number | null {
  return typeof value === "number" ? value : null;
}

function model(
  version: string,
  status: ModelVersionResponse["status"],
  metrics: Record<string, unknown>,
  extra: Partial<ModelVersionResponse> = {},
) {
  return {
    model_id: "talent_job_ranker",
    version,
    status,
    is_active: status === "active",
    metrics,
    headline: {
      ndcg_at_10: num(metrics.ndcg_at_10),
      auc: num(metrics.auc),
      calibration_error: num(metrics.calibration_error),
    },
    activatable: status !== "active" && status !== "rejected",
    activation_blocked_reason: status === "active" ? `version '${version}' is already the active one` : null,
    params: {},
    feature_list: [],
    training_window_start: null,
    training_window_end: null,
    train_rows: 4800,
    valid_rows: 1200,
    data_hash: null,
    artifact_sha256: "abc",
    parent_version: null,
    created_by: null,
    trained_at: "2025-01-01T10:00:00Z",
    ...extra,
  } satisfies ModelVersionResponse;
}

function models(active = "20250101-aaaa"): ModelListResponse {
  return {
    versions: [
      model("20250101-aaaa", active === "20250101-aaaa" ? "active" : "retired", {
        ndcg_at_10: 0.8123,
        auc: 0.7456,
        calibration_error: 0.0312,
      }),
      model("20250102-bbbb", active === "20250102-bbbb" ? "active" : "candidate", {
        ndcg_at_10: 0.7999,
        auc: 0.7301,
      }),
    ],
  };
}

const evaluation: EvaluationResultsResponse = {
  results: [
    {
      id: "e1",
      model_id: "skills",
      model_version: "skills-v2",
      strategies: ["dictionary"],
      dataset_version: "skillspan-1.0",
      sample_count: 1234,
      gold_count: 900,
      predicted_count: 950,
      overall_precision: 0.71,
      overall_recall: 0.65,
      overall_f1: 0.6787,
      category_metrics: {},
      execution_time_seconds: 12,
      is_ci_run: false,
      min_f1: 0.6,
      threshold_passed: true,
      created_at: "2025-01-02T10:00:00Z",
    },
  ],
};

function run(status: TrainingRunResponse["status"], extra: Partial<TrainingRunResponse> = {}): TrainingRunResponse {
  return {
    id: "run-1",
    status,
    outcome: status === "succeeded" ? "promoted" : status,
    stages:
      status === "running"
        ? []
        : [
            { stage: "labels", state: "done", numbers: { new_samples: 321, labelled_samples: 2400, seed_rows: 0 } },
            { stage: "training", state: "done", numbers: { train_rows: 1900, valid_rows: 500, validation_talents: 40 } },
            {
              stage: "evaluation",
              state: "done",
              numbers: { champion: "20250101-aaaa", candidate_ndcg_at_10: 0.8412, champion_ndcg_at_10: 0.8123 },
            },
            { stage: "gate", state: "done", numbers: { promoted: true, reason: "beat the champion" } },
          ],
    forced: true,
    triggered_by: "admin",
    candidate_version: status === "running" ? null : "20250103-cccc",
    promoted: status === "succeeded",
    message: status === "running" ? "training" : "candidate beat the champion; promoted",
    metrics:
      status === "running"
        ? {}
        : {
            ndcg_at_10: 0.8412,
            auc: 0.7702,
            calibration_error: 0.021,
            new_samples: 321,
            champion: { version: "20250101-aaaa", ndcg_at_10: 0.8123, auc: 0.7456, calibration_error: 0.0312 },
          },
    started_at: "2025-01-03T10:00:00Z",
    finished_at: status === "running" ? null : "2025-01-03T10:05:00Z",
    ...extra,
  };
}

function adminService(overrides: Parameters<typeof fakeService>[0] = {}) {
  return fakeService({
    getHealth: () => Promise.resolve(health),
    listModels: () => Promise.resolve(models()),
    getEvaluationResults: () => Promise.resolve(evaluation),
    ...overrides,
  });
}

function section(name: string) {
  return screen.getByRole("heading", { name, level: 3 }).closest("section") as HTMLElement;
}

describe("AdminDashboard", () => {
  it("shows the health card", async () => {
    const service = adminService({ getHealth: () => Promise.resolve({ ...health, fallback_active: true }) });
    render(<AdminDashboard service={service} confirm={() => false} />);

    const card = section("Service health");
    await waitFor(() => expect(within(card).getByText("20250101-aaaa")).toBeInTheDocument());
    expect(within(card).getByText("yes (rule-based scoring)")).toBeInTheDocument();
    expect(within(card).getByText("reachable")).toBeInTheDocument();
    expect(within(card).getByText("2 h")).toBeInTheDocument();
  });

  it("lists model versions with status and key metrics", async () => {
    const service = adminService();
    render(<AdminDashboard service={service} confirm={() => false} />);

    const table = await within(section("Model versions")).findByRole("table");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("20250101-aaaa");
    expect(rows[0]).toHaveTextContent("active");
    expect(rows[0]).toHaveTextContent("0.812");
    expect(rows[0]).toHaveTextContent("0.746");
    expect(rows[0]).toHaveTextContent("0.031");
    expect(within(rows[0]!).queryByRole("button")).toBeNull();
    expect(rows[1]).toHaveTextContent("candidate");
    expect(within(rows[1]!).getByRole("button", { name: "Activate model 20250102-bbbb" })).toBeEnabled();
  });

  it("does not activate when the confirmation is declined", async () => {
    const user = userEvent.setup();
    const confirm = vi.fn((_message: string) => false);
    const service = adminService({ activateModel: () => Promise.resolve(models().versions[1]!) });
    render(<AdminDashboard service={service} confirm={confirm} />);

    await user.click(await screen.findByRole("button", { name: "Activate model 20250102-bbbb" }));

    expect(confirm).toHaveBeenCalledTimes(1);
    expect(confirm.mock.calls[0]![0]).toContain("20250102-bbbb");
    expect(service.activateModel).not.toHaveBeenCalled();
    expect(screen.getByText("Activation of 20250102-bbbb cancelled.")).toBeInTheDocument();
  });

  it("activates after confirmation and refreshes models and health", async () => {
    const user = userEvent.setup();
    let active = "20250101-aaaa";
    const service = adminService({
      listModels: () => Promise.resolve(models(active)),
      getHealth: () => Promise.resolve({ ...health, model_version: active }),
      activateModel: (version) => {
        active = version;
        return Promise.resolve({ ...models(version).versions[1]! });
      },
    });
    const confirm = vi.fn((_message: string) => true);
    render(<AdminDashboard service={service} confirm={confirm} />);

    await user.click(await screen.findByRole("button", { name: "Activate model 20250102-bbbb" }));

    expect(service.activateModel).toHaveBeenCalledWith("20250102-bbbb");
    expect(await screen.findByText("Model 20250102-bbbb is now active.")).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.getByRole("button", { name: "Activate model 20250101-aaaa" })).toBeInTheDocument(),
    );
    expect(screen.queryByRole("button", { name: "Activate model 20250102-bbbb" })).toBeNull();
    expect(service.listModels).toHaveBeenCalledTimes(2);
    await waitFor(() => expect(service.getHealth).toHaveBeenCalledTimes(2));
  });

  it("shows the server's reason when activation is refused", async () => {
    const user = userEvent.setup();
    const service = adminService({
      activateModel: () => Promise.reject(new ApiError(409, "conflict", "model 20250102-bbbb was rejected")),
    });
    render(<AdminDashboard service={service} confirm={() => true} />);

    await user.click(await screen.findByRole("button", { name: "Activate model 20250102-bbbb" }));

    expect(await within(section("Model versions")).findByRole("alert")).toHaveTextContent(
      "model 20250102-bbbb was rejected",
    );
  });

  it("triggers training with force, polls the run until it finishes and shows its metrics", async () => {
    const user = userEvent.setup();
    const polls = [run("running"), run("running"), run("succeeded")];
    const service = adminService({
      triggerTraining: () => Promise.resolve({ run_id: "run-1", status: "running" }),
      getTrainingRun: () => Promise.resolve(polls.shift() ?? run("succeeded")),
    });
    render(<AdminDashboard service={service} confirm={() => false} pollIntervalMs={5} />);
    const panel = section("Retrain");

    await user.click(within(panel).getByLabelText(/Force/));
    await user.click(within(panel).getByRole("button", { name: "Train" }));

    expect(service.triggerTraining).toHaveBeenCalledWith(true);
    expect(within(panel).getByRole("button", { name: "Training…" })).toBeDisabled();

    await waitFor(() => expect(within(panel).getByText(/Training run run-1 finished: candidate promoted/)).toBeInTheDocument());
    expect(service.getTrainingRun).toHaveBeenCalledTimes(3);
    expect(service.getTrainingRun).toHaveBeenCalledWith("run-1");
    expect(within(panel).getByText("20250103-cccc")).toBeInTheDocument();
    expect(within(panel).getByText("candidate beat the champion; promoted")).toBeInTheDocument();
    const metrics = within(panel).getByRole("table", { name: "Training run metrics" });
    expect(within(metrics).getByRole("row", { name: /NDCG@10/ })).toHaveTextContent("0.841");
    expect(within(metrics).getByRole("row", { name: /NDCG@10/ })).toHaveTextContent("0.812");
    expect(within(metrics).getByRole("row", { name: /AUC/ })).toHaveTextContent("0.770");
    expect(within(panel).getByRole("button", { name: "Train" })).toBeEnabled();
    // the model list is reloaded once the run is over
    await waitFor(() => expect(service.listModels).toHaveBeenCalledTimes(2));
  });

  it("reads every version's metrics from the server's headline, whatever the layout of metrics", async () => {
    const live = model("v1.0", "active", { model: { ndcg_at_10: 0.7123, rmse: 9.1 }, random: { ndcg_at_10: 0.3 } }, {
      headline: { ndcg_at_10: 0.7123, auc: null, calibration_error: null },
    });
    const service = adminService({ listModels: () => Promise.resolve({ versions: [live] }) });
    render(<AdminDashboard service={service} confirm={() => false} />);

    const table = await within(section("Model versions")).findByRole("table");
    const row = within(table).getAllByRole("row")[1]!;
    expect(within(row).getByText("0.712")).toBeInTheDocument();
  });

  it("offers Activate only where the server says it would accept it, and says why not elsewhere", async () => {
    const versions = [
      model("v1.2", "rejected", { ndcg_at_10: 0.6 }, {
        activation_blocked_reason: "version 'v1.2' was rejected by its promotion gate and cannot be activated",
      }),
      model("v1.1", "retired", { ndcg_at_10: 0.7 }, {
        activatable: false,
        activation_blocked_reason: "version 'v1.1' cannot be activated: its artifact is missing",
      }),
      model("v1.0", "candidate", { ndcg_at_10: 0.65 }),
    ];
    const service = adminService({ listModels: () => Promise.resolve({ versions }) });
    render(<AdminDashboard service={service} confirm={() => false} />);

    const table = await within(section("Model versions")).findByRole("table");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(within(rows[0]!).queryByRole("button")).toBeNull();
    expect(rows[0]).toHaveTextContent("rejected by its promotion gate");
    expect(within(rows[1]!).queryByRole("button")).toBeNull();
    expect(rows[1]).toHaveTextContent("its artifact is missing");
    expect(within(rows[2]!).getByRole("button", { name: "Activate model v1.0" })).toBeEnabled();
  });

  it("shows a run whose candidate lost its gate as rejected, with its stages and numbers", async () => {
    const user = userEvent.setup();
    const rejected = run("succeeded", {
      promoted: false,
      outcome: "rejected",
      message: "20250103-cccc rejected: NDCG gain below the promotion margin",
      stages: [
        { stage: "labels", state: "done", numbers: { new_samples: 321, labelled_samples: 2400, seed_rows: null } },
        { stage: "training", state: "done", numbers: { train_rows: 1900, valid_rows: 500 } },
        { stage: "evaluation", state: "done", numbers: { candidate_ndcg_at_10: 0.8012, champion_ndcg_at_10: 0.8123 } },
        { stage: "gate", state: "done", numbers: { promoted: false, reason: "NDCG gain below the promotion margin" } },
      ],
    });
    const service = adminService({
      triggerTraining: () => Promise.resolve({ run_id: "run-1", status: "running" }),
      getTrainingRun: () => Promise.resolve(rejected),
    });
    render(<AdminDashboard service={service} confirm={() => false} pollIntervalMs={5} />);
    const panel = section("Retrain");

    await user.click(within(panel).getByRole("button", { name: "Train" }));

    await waitFor(() =>
      expect(within(panel).getByText(/Training run run-1 finished: candidate rejected/)).toBeInTheDocument(),
    );
    const outcome = within(panel).getByText("Candidate rejected");
    expect(outcome).toHaveClass("pill--bad");
    expect(within(panel).queryByText("succeeded")).toBeNull();
    const stages = within(within(panel).getByRole("list", { name: "Training run stages" })).getAllByRole("listitem");
    expect(stages.map((li) => li.textContent?.split(" ")[0])).toEqual(["Labels", "Training", "Evaluation", "Gate"]);
    expect(stages[0]).toHaveTextContent("labelled samples 2,400");
    expect(stages[0]).not.toHaveTextContent("seed rows");
    expect(stages[2]).toHaveTextContent("candidate NDCG@10 0.801, champion NDCG@10 0.812");
    expect(stages[3]).toHaveTextContent("promoted no, reason NDCG gain below the promotion margin");
  });

  it("shows where a skipped run stopped", async () => {
    const user = userEvent.setup();
    const skipped = run("skipped", {
      candidate_version: null,
      message: "too little feedback: 12 labelled samples in total, need at least 20 to train",
      metrics: {},
      stages: [
        { stage: "labels", state: "stopped", numbers: { new_samples: 12, labelled_samples: 12 } },
        { stage: "training", state: "not_reached", numbers: {} },
        { stage: "evaluation", state: "not_reached", numbers: {} },
        { stage: "gate", state: "not_reached", numbers: {} },
      ],
    });
    const service = adminService({
      triggerTraining: () => Promise.resolve({ run_id: "run-1", status: "running" }),
      getTrainingRun: () => Promise.resolve(skipped),
    });
    render(<AdminDashboard service={service} confirm={() => false} pollIntervalMs={5} />);
    const panel = section("Retrain");

    const force = within(panel).getByLabelText(/Force/);
    expect(force.closest("label")).toHaveTextContent(
      "train even if the weekly schedule is not due or too little new feedback arrived (a run still needs enough labelled feedback",
    );
    await user.click(within(panel).getByRole("button", { name: "Train" }));

    await waitFor(() => expect(within(panel).getByText("Skipped")).toBeInTheDocument());
    const stages = within(within(panel).getByRole("list", { name: "Training run stages" })).getAllByRole("listitem");
    expect(stages[0]).toHaveTextContent("Labels (stopped here): new samples 12, labelled samples 12");
    expect(stages[1]).toHaveTextContent("Training (not reached)");
  });

  it("stops polling when the dashboard goes away", async () => {
    const user = userEvent.setup();
    const service = adminService({
      triggerTraining: () => Promise.resolve({ run_id: "run-1" }),
      getTrainingRun: () => Promise.resolve(run("running")),
    });
    const { unmount } = render(<AdminDashboard service={service} confirm={() => false} pollIntervalMs={5} />);

    await user.click(screen.getByRole("button", { name: "Train" }));
    expect(service.triggerTraining).toHaveBeenCalledWith(false);
    await waitFor(() => expect(service.getTrainingRun).toHaveBeenCalled());
    unmount();
    const calls = service.getTrainingRun.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(service.getTrainingRun.mock.calls.length).toBeLessThanOrEqual(calls + 1);
  });

  it("shows why training could not start", async () => {
    const user = userEvent.setup();
    const service = adminService({
      triggerTraining: () => Promise.reject(new ApiError(409, "conflict", "a training run is already running")),
    });
    render(<AdminDashboard service={service} confirm={() => false} />);

    await user.click(screen.getByRole("button", { name: "Train" }));

    expect(await within(section("Retrain")).findByRole("alert")).toHaveTextContent(
      "Could not start training: a training run is already running",
    );
    expect(screen.getByRole("button", { name: "Train" })).toBeEnabled();
  });

  it("lists evaluation results", async () => {
    const service = adminService();
    render(<AdminDashboard service={service} confirm={() => false} />);

    const table = await within(section("Skills extraction evaluation")).findByRole("table");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveTextContent("skills-v2");
    expect(rows[0]).toHaveTextContent("skillspan-1.0");
    expect(rows[0]).toHaveTextContent("0.679");
    expect(rows[0]).toHaveTextContent("passed");
  });

  it("shows each section's error on its own", async () => {
    const service = adminService({
      getEvaluationResults: () => Promise.reject(new ApiError(403, "forbidden", "admins only")),
    });
    render(<AdminDashboard service={service} confirm={() => false} />);

    expect(await within(section("Skills extraction evaluation")).findByRole("alert")).toHaveTextContent(
      "admins only",
    );
    await within(section("Model versions")).findByRole("table");
  });

  it("looks up matches for a talent id or a job id", async () => {
    const user = userEvent.setup();
    const service = adminService({
      getTalentMatches: () =>
        Promise.resolve({
          matches: [match({ id: "j1", score: 55, title: "Job One" }), match({ id: "j2", score: 85, title: "Job Two" })],
          processing_time_ms: 4,
          model_version: "v1",
        }),
      getJobMatches: () =>
        Promise.resolve({ matches: [match({ id: "t1", score: 70, title: "Tal One" })], processing_time_ms: 4, model_version: "v1" }),
    });
    render(<AdminDashboard service={service} confirm={() => false} />);
    const lookup = section("Look up matches");

    await user.type(within(lookup).getByLabelText("Talent id"), "  talent-123 ");
    await user.click(within(lookup).getByRole("button", { name: "Show matches" }));

    await waitFor(() => expect(within(lookup).getAllByTestId("match-card")).toHaveLength(2));
    expect(service.getTalentMatches).toHaveBeenCalledWith("talent-123", 10, 0);
    expect(within(lookup).getAllByRole("heading", { level: 4 }).map((h) => h.textContent)).toEqual([
      "1. Job Two",
      "2. Job One",
    ]);
    // admins look, they do not send feedback
    expect(within(lookup).queryByRole("button", { name: /Apply/ })).toBeNull();

    await user.click(within(lookup).getByLabelText("Talent for a job"));
    const jobInput = within(lookup).getByLabelText("Job id");
    await user.clear(jobInput);
    await user.type(jobInput, "job-9");
    await user.click(within(lookup).getByRole("button", { name: "Show matches" }));

    await waitFor(() => expect(within(lookup).getAllByTestId("match-card")).toHaveLength(1));
    expect(service.getJobMatches).toHaveBeenCalledWith("job-9", 10, 0);
  });

  it("asks for an id before looking up", async () => {
    const user = userEvent.setup();
    const service = adminService();
    render(<AdminDashboard service={service} confirm={() => false} />);
    const lookup = section("Look up matches");

    await user.click(within(lookup).getByRole("button", { name: "Show matches" }));

    expect(within(lookup).getByRole("alert")).toHaveTextContent("Enter a talent id.");
    expect(service.getTalentMatches).not.toHaveBeenCalled();
  });
});
