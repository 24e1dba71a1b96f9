"""The one settings object of the service.

Every tunable comes from the environment (or `.env`) through this class, so a reader can
see every knob in one place and no module calls `os.getenv` on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal

from limits import parse_many
from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOG_LEVELS = frozenset(logging.getLevelNamesMapping())
MIN_HS256_SECRET_BYTES = 32  # RFC 7518 3.2: an HS256 key at least as long as the hash


class SettingsError(Exception):
    """The configuration cannot run: one line per problem, for a person to fix and restart.

    Deliberately not a ValueError, so pydantic does not wrap it in a ValidationError, whose
    message quotes the whole input, secrets included.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


def rate_limit_problem(value: str, name: str = "RATE_LIMIT") -> str | None:
    """Why `value` is not a usable limit, parsed by `limits` exactly as the rate limiter will.

    A limit nobody can parse would otherwise start a server without any rate limit, and a
    limit of 0 would refuse every request.
    """
    try:
        parsed = parse_many(value)
    except ValueError:
        return f"{name}={value!r} is not a rate limit (expected e.g. '100/minute')"
    if any(limit.amount < 1 for limit in parsed):
        return f"{name}={value!r} allows no request at all"
    return None


def database_problem(url: str, production: bool) -> str | None:
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        return "DATABASE_URL is not a database URL"
    if production and backend == "sqlite":
        return "DATABASE_URL is SQLite; production needs PostgreSQL (one file per replica)"
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    environment: Literal["development", "test", "production"] = "development"
    log_level: str = "INFO"

    database_url: str = "sqlite:///./talent_match.db"
    redis_url: str | None = None

    model_dir: Path = PROJECT_ROOT / "models"
    embedding_model_id: str = "all-MiniLM-L6-v2"
    embedding_cache_size: int = Field(default=50_000, ge=0)

    jwt_secret: SecretStr | None = Field(
        default=None, description="Supabase legacy HS256 secret; HS256 is accepted only if set."
    )
    jwt_jwks_url: str | None = Field(
        default=None, description="JWKS URL for asymmetric (ES256/RS256) tokens."
    )
    jwt_audience: str = "authenticated"
    jwt_issuer: str | None = None
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)
    jwt_role_claim: str = "app_metadata.role"
    jwks_cache_seconds: int = Field(default=600, ge=0, le=600)
    jwks_min_refetch_seconds: float = Field(
        default=30.0, ge=0, description="Unknown kid: at most one JWKS refetch per this interval."
    )
    jwks_fetch_timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    jwt_max_token_bytes: int = Field(default=8192, ge=512)
    dev_jwt_secret_file: Path = Field(
        default=PROJECT_ROOT / ".dev_jwt_secret",
        description="Development only: HS256 secret shared by `app token` and the server "
        "when JWT_SECRET is unset (created on first use).",
    )
    dev_token_ttl_seconds: int = Field(default=3600, ge=60, le=86_400)

    rate_limit: str = "100/minute"
    trusted_proxies: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    rate_limit_key_prefix: str = "tm-rl"
    rate_limit_redis_timeout_seconds: float = Field(default=0.25, gt=0, le=5)
    slow_request_seconds: float = Field(default=3.0, gt=0)
    rate_limit_text_chars_per_unit: int = Field(
        default=500,
        ge=1,
        description="A request costs one more unit of the rate limit per this many characters "
        "of text (enrichment, /match/score), so long texts cannot buy CPU at the price of one.",
    )
    text_workers: int = Field(
        default=1,
        ge=0,
        le=16,
        description="Processes per API worker that run the text models (enrichment, "
        "/match/score with text), started on first use: a long text then holds their CPU, not "
        "the serving process's interpreter lock. 0 runs them in the serving process, one "
        "request at a time (tests, tools).",
    )
    text_queue_size: int = Field(
        default=4,
        ge=0,
        description="Text requests that may wait for a busy text worker; one more is refused "
        "at once with 503 and Retry-After instead of queueing without bound.",
    )
    text_worker_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="Scheduling niceness of the text workers, so that on a busy machine the "
        "serving process (every cheap request) gets the CPU first.",
    )
    rate_limit_results_per_unit: int = Field(
        default=20,
        ge=1,
        description="A match request costs one more unit per this many results asked (`limit`).",
    )
    probe_rate_limit: str = Field(
        default="10/second",
        description="Per client IP and worker, /health and /health/ready requests allowed "
        "(in memory, before anything else runs); orchestrators probe far less often.",
    )
    probe_refusal_delay_seconds: float = Field(
        default=1.0,
        ge=0.0,
        le=10.0,
        description="A probe over its limit gets its 429 after this long, so a client that "
        "floods as fast as it is answered is answered slowly, not at the server's full speed.",
    )
    health_cache_seconds: float = Field(
        default=1.0,
        ge=0.0,
        description="The probes' database facts are reused for this long per process, so a "
        "probe flood costs at most one query per interval.",
    )
    match_log_requests_per_subject: int = Field(
        default=50,
        ge=1,
        description="`matches` keeps the impressions of this many newest match requests per "
        "talent or job asked about (rows the learning loop labels are always kept).",
    )
    match_log_retention_days: int = Field(
        default=90,
        ge=1,
        description="Impressions older than this that drew no feedback are deleted "
        "(`app matches prune`, and the subject's rows on every match write).",
    )
    warm_embeddings_on_start: bool = Field(
        default=True,
        description="API start-up loads the embedding model and open jobs' vectors, and starts "
        "the text workers with their models, in the background, so the first zero-shot or "
        "enrichment request does not pay for it.",
    )

    expose_docs: bool | None = Field(
        default=None, description="Serve /docs and /openapi.json; default: not in production."
    )
    expose_metrics: bool | None = Field(
        default=None, description="Serve /metrics; default: not in production."
    )
    metrics_scrape_token: SecretStr | None = Field(
        default=None,
        description="When set, /metrics answers only requests bearing it (`Authorization: "
        "Bearer <token>`), in every environment; others get 404.",
    )
    prometheus_multiproc_dir: Path | None = Field(
        default=None,
        description="prometheus_client multiprocess directory: `app serve` empties it and hands "
        "it to its workers, so /metrics sums every worker's counters.",
    )

    dashboard_dir: Path = Field(
        default=PROJECT_ROOT / "frontend" / "dist",
        description="Built React dashboard, served at /dashboard/ when its index.html exists.",
    )

    training_schedule_days: int = Field(default=7, ge=1)
    training_min_new_samples: int = Field(default=100, ge=1)
    training_check_minutes: float = Field(
        default=60.0, ge=0.0, description="How often workers ask if training is due; 0 = never."
    )
    promotion_margin: float = Field(default=0.005, ge=0.0)
    promotion_min_confidence: float = Field(
        default=0.8, ge=0.0, le=1.0, description="Bootstrap P(candidate better) to promote."
    )
    model_poll_seconds: float = Field(default=5.0, gt=0)
    matcher_model_id: str = Field(default="talent_matcher", pattern=r"^[a-z_]+$")
    matching_shortlist_size: int = Field(
        default=600, ge=1, le=100_000, description="Stage-1 candidates scored by the model."
    )
    matching_prefilter_size: int = Field(
        default=1000,
        ge=1,
        le=1_000_000,
        description="Stage-1 candidates, by the pre-filter score, that get every other feature.",
    )
    matching_warm_on_start: bool = Field(
        default=True,
        description="API start-up builds both candidate indexes in the background, then "
        "refreshes them off the request path every `matching_index_refresh_seconds` (a build "
        "takes ~20 s at 100k rows, which no request should wait for). Off: the first match "
        "request builds them and requests check freshness themselves.",
    )
    matching_index_refresh_seconds: float = Field(
        default=2.0,
        ge=0.0,
        description="How often a candidate index checks for changed rows (a changed row is "
        "applied as a delta, so it is visible within about this long plus the delta's time).",
    )
    matching_index_dir: Path | None = Field(
        default=None,
        description="Where candidate index snapshots live (a volume every worker and replica "
        "shares): each worker opens the newest one memory-mapped instead of building its own "
        "copy from the database. None: every worker builds and holds its own index.",
    )
    matching_index_room: float = Field(
        default=0.05,
        ge=0.0,
        le=1.0,
        description="Free rows an index keeps for deltas, as a share of its candidates; when "
        "half is used the refresher merges the deltas into a new index (and snapshot).",
    )
    matching_index_min_room: int = Field(
        default=2000, ge=1, description="At least this many free rows per index."
    )
    matching_max_limit: int = Field(default=100, ge=1, description="Largest `limit` per request.")
    training_valid_fraction: float = Field(
        default=0.2, gt=0.0, lt=1.0, description="Newest share of labels held out for validation."
    )
    training_include_seed_pairs: bool = Field(
        default=True, description="Retrain on the seeded labelled pairs as well as on feedback."
    )
    training_min_valid_queries: int = Field(
        default=3, ge=1, description="Validation talents with a positive needed to compare models."
    )
    training_dask_scheduler: str | None = Field(
        default=None,
        description="Train through Dask (app/training/distributed.py): unset = in this process, "
        "as always; `local` = a LocalCluster of `training_dask_local_workers` processes on this "
        "machine; anything else = the address of a running scheduler (tcp://dask-scheduler:8786).",
    )
    training_dask_local_workers: int = Field(
        default=2, ge=1, le=64, description="Worker processes (one thread each) of `local`."
    )
    training_dask_partition_pairs: int = Field(
        default=250_000,
        ge=100,
        description="Labelled pairs per partition: one worker task reads and featurises one "
        "key range of this many pairs, so no process ever holds the whole history.",
    )
    training_dask_sample_rows: int = Field(
        default=100_000,
        ge=1_000,
        description="Training rows the driver holds (a uniform sample drawn by the workers): the "
        "round count's grouped CV, the sub-score scale, the stage-1 proxy, the drift reference.",
    )
    quality_gate: bool = Field(
        default=True,
        description="Refuse to promote a model that loses to the MiniLM cosine of the same "
        "texts on the external benchmarks (app/training/quality.py) found in "
        "`quality_data_dir`; without that folder the gate says it did not run.",
    )
    quality_data_dir: Path = Field(
        default=Path("../shared/data"),
        description="Folder with onet/ and rjdb/ for the external quality benchmarks.",
    )
    quality_gate_occupations: int = Field(
        default=60, ge=10, description="Occupations in the gate's O*NET ranking set."
    )
    quality_gate_rjdb_rows: int = Field(
        default=150, ge=10, description="rjdb triples in the gate's pairwise set."
    )

    inference_log_sample_rate: float = Field(
        default=0.1,
        ge=0.0,
        le=1.0,
        description="Share of scored match requests whose short list gives rows to the "
        "inference log (the current window of drift runs); 0 switches the log off.",
    )
    inference_log_rows_per_request: int = Field(
        default=5, ge=1, le=100, description="Rows drawn at random from a sampled short list."
    )
    inference_log_retention_days: int = Field(
        default=35, ge=1, description="Inference-log rows older than this are pruned."
    )
    inference_log_max_rows: int = Field(
        default=500_000, ge=1000, description="The inference log keeps at most this many rows."
    )
    drift_reference_rows: int = Field(
        default=5000,
        ge=100,
        description="Training rows (features and scores) kept next to each model artifact as "
        "its drift reference (reference.npz).",
    )
    drift_threshold: float = Field(
        default=0.15,
        gt=0.0,
        le=1.0,
        description="A drift run alerts when its overall score (0-1) exceeds this.",
    )
    drift_min_samples: int = Field(
        default=300,
        ge=50,
        description="Fewer current rows than this: a feature is 'not enough data', not drift.",
    )
    drift_bins: int = Field(default=10, ge=2, le=50, description="Reference-quantile PSI bins.")
    drift_report_dir: Path = Field(
        default=PROJECT_ROOT / "reports" / "drift",
        description="Where drift runs write their HTML reports.",
    )
    drift_webhook_url: SecretStr | None = Field(
        default=None,
        description="Slack-compatible incoming webhook for drift alerts; unset: logs and the "
        "Prometheus gauge only.",
    )
    drift_webhook_retries: int = Field(default=3, ge=0, le=10)
    drift_webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    llm_provider: Literal["none", "ollama", "openai_compatible"] = Field(
        default="none",
        description="none: the deterministic extractors only; ollama: a local Ollama server; "
        "openai_compatible: DeepSeek or any OpenAI-compatible chat API.",
    )
    llm_base_url: str = Field(
        default="http://localhost:11434", description="Ollama's or the provider's base URL."
    )
    llm_model: str = Field(
        default="", description="Model id, e.g. a DeepSeek id from its current model list."
    )
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    llm_max_retries: int = Field(default=2, ge=0, le=5)
    llm_input_cost_per_million: float = Field(
        default=0.0, ge=0, description="USD per million prompt tokens (cost estimate)."
    )
    llm_output_cost_per_million: float = Field(
        default=0.0, ge=0, description="USD per million completion tokens (cost estimate)."
    )

    enrichment_config_path: Path | None = Field(
        default=None, description="model_versions.yaml override; the packaged file otherwise."
    )
    section_model_path: Path | None = Field(
        default=None, description="Trained section classifier; model_dir/section_classifier.json."
    )

    @model_validator(mode="after")
    def _refuse_unusable(self) -> Settings:
        """Refuse at load what would otherwise fail later, silently or on every request."""
        problems = [
            problem
            for problem in (
                rate_limit_problem(self.rate_limit),
                rate_limit_problem(self.probe_rate_limit, "PROBE_RATE_LIMIT"),
                database_problem(self.database_url, self.is_production),
            )
            if problem
        ]
        if self.log_level.upper() not in LOG_LEVELS:
            problems.append(
                f"LOG_LEVEL={self.log_level!r} is not a log level "
                "(DEBUG, INFO, WARNING, ERROR or CRITICAL)"
            )
        if self.is_production:
            problems.extend(self._production_auth_problems())
        if problems:
            raise SettingsError(problems)
        return self

    def _production_auth_problems(self) -> list[str]:
        if self.jwt_secret is None and not self.jwt_jwks_url:
            return ["JWT_SECRET or JWT_JWKS_URL must be set in production: no token could verify"]
        if self.jwt_secret is not None:
            size = len(self.jwt_secret.get_secret_value().encode("utf-8"))
            if size < MIN_HS256_SECRET_BYTES:
                return [
                    f"JWT_SECRET is {size} bytes; HS256 needs at least {MIN_HS256_SECRET_BYTES}"
                ]
        return []

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def docs_exposed(self) -> bool:
        return self.expose_docs if self.expose_docs is not None else not self.is_production

    @property
    def metrics_exposed(self) -> bool:
        return self.expose_metrics if self.expose_metrics is not None else not self.is_production


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings; any invalid value raises `SettingsError`, one line per problem."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(
            [
                f"{'.'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
                for error in exc.errors(include_url=False, include_input=False)
            ]
        ) from None
