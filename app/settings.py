"""The one settings object of the service.

Every tunable comes from the environment (or `.env`) through this class, so a reader can
see every knob in one place and no module calls `os.getenv` on its own.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    warm_embeddings_on_start: bool = Field(
        default=True,
        description="API start-up loads the embedding model and open jobs' vectors in the "
        "background, so the first zero-shot request does not pay for it.",
    )

    expose_docs: bool | None = Field(
        default=None, description="Serve /docs and /openapi.json; default: not in production."
    )
    expose_metrics: bool | None = Field(
        default=None, description="Serve /metrics; default: not in production."
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
        default=5.0, ge=0.0, description="How often a candidate index checks for changed rows."
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

    enrichment_config_path: Path | None = Field(
        default=None, description="model_versions.yaml override; the packaged file otherwise."
    )
    section_model_path: Path | None = Field(
        default=None, description="Trained section classifier; model_dir/section_classifier.json."
    )

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
    return Settings()
