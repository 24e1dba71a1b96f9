import { vi, type Mock } from "vitest";
import type { MlMatchingService } from "../services/mlMatchingService";
import type {
  ApplicantsResponse,
  FactorOut,
  FeedbackRequest,
  FeedbackResponse,
  MatchResultOut,
  MeResponse,
} from "../services/types";

export const TALENT_ID = "11111111-1111-4111-8111-111111111111";
export const JOB_A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
export const JOB_B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

export function factor(description: string, impact: number, category: FactorOut["category"] = "skills"): FactorOut {
  return { factor: description.toLowerCase().replace(/\W+/g, "_"), category, impact, description };
}

export function match(overrides: Partial<MatchResultOut> & { id: string; score: number }): MatchResultOut {
  return {
    source: "ml",
    model_version: "v1",
    title: `Title ${overrides.id.slice(0, 4)}`,
    subtitle: "Acme · Berlin",
    explanation: {
      sub_scores: { skills: 90, experience: 70, location: 50, salary: 40, culture: 60 },
      top_factors: [factor("Covers 4 of 5 required skills", 12.5)],
      summary: "A solid match.",
    },
    ...overrides,
  };
}

export const talentMe: MeResponse = {
  sub: "22222222-2222-4222-8222-222222222222",
  role: "talent",
  talent: { id: TALENT_ID, full_name: "Ada Lovelace", headline: "Data Engineer", location_name: "London" },
  jobs: [],
};

export const companyMe: MeResponse = {
  sub: "33333333-3333-4333-8333-333333333333",
  role: "company",
  talent: null,
  jobs: [
    { id: JOB_A, title: "Data Engineer", status: "open", company_name: "Acme", location_name: "Berlin" },
    { id: JOB_B, title: "ML Engineer", status: "open", company_name: "Acme", location_name: "Paris" },
  ],
};

export const adminMe: MeResponse = {
  sub: "44444444-4444-4444-8444-444444444444",
  role: "admin",
  talent: null,
  jobs: [],
};

export function emptyInbox(jobId: string): ApplicantsResponse {
  return {
    job_id: jobId,
    stage: null,
    total: 0,
    limit: 20,
    offset: 0,
    stage_counts: { new: 0, contacted: 0, interviewing: 0, hired: 0, rejected: 0 },
    applications: [],
  };
}

export type FakeService = { [K in keyof MlMatchingService]: Mock<MlMatchingService[K]> };

/** A service whose every method fails loudly unless a test gives it an implementation. */
export function fakeService(overrides: Partial<MlMatchingService> = {}) {
  const unexpected = (name: string) =>
    vi.fn(() => Promise.reject(new Error(`unexpected call to ${name}`)));
  const service = {
    getMe: unexpected("getMe"),
    getTalentMatches: unexpected("getTalentMatches"),
    getJobMatches: unexpected("getJobMatches"),
    sendFeedback: unexpected("sendFeedback"),
    getHealth: unexpected("getHealth"),
    listModels: unexpected("listModels"),
    activateModel: unexpected("activateModel"),
    triggerTraining: unexpected("triggerTraining"),
    getTrainingRun: unexpected("getTrainingRun"),
    getEvaluationResults: unexpected("getEvaluationResults"),
    // the views show these lists beside the matches: empty unless a test gives them rows
    listJobApplications: vi.fn((jobId: string) => Promise.resolve(emptyInbox(jobId))),
    moveApplicationStage: unexpected("moveApplicationStage"),
    listTalentApplications: vi.fn((talentId: string) =>
      Promise.resolve({ talent_id: talentId, total: 0, limit: 20, offset: 0, applications: [] }),
    ),
    listTalentContacts: vi.fn((talentId: string) =>
      Promise.resolve({ talent_id: talentId, total: 0, limit: 20, offset: 0, contacts: [] }),
    ),
    getJobDetail: unexpected("getJobDetail"),
    getCandidateDetail: unexpected("getCandidateDetail"),
    // the admin view lists drift runs beside the models: none unless a test gives some
    listDriftRuns: vi.fn(() => Promise.resolve({ runs: [] })),
    getDriftReport: unexpected("getDriftReport"),
  };
  for (const [key, value] of Object.entries(overrides)) {
    (service as Record<string, unknown>)[key] = vi.fn(value as (...args: unknown[]) => unknown);
  }
  return service as unknown as FakeService;
}

/** A promise a test resolves by hand, to look at the UI while a request is pending. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const DECISION_OF_TYPE = { apply: "applied", dismiss: "dismissed", contact: "contacted", reject: "rejected" } as const;

/** What POST /feedback answers for `body` (the talent's side for apply/dismiss, else the company's). */
export function feedbackResponse(
  body: FeedbackRequest,
  overrides: Partial<FeedbackResponse> = {},
): FeedbackResponse {
  const talentSide = body.type === "apply" || body.type === "dismiss";
  return {
    id: `feedback-${body.type}`,
    ...body,
    side: talentSide ? "talent" : "company",
    decision: body.type === "undo" ? null : DECISION_OF_TYPE[body.type],
    created: true,
    created_at: "2026-01-01T00:00:00Z",
    ...overrides,
  };
}
