"""Every runtime setting, read from ``OPENCUSTOMS_*`` environment variables.

Only this module reads the environment, so a deployment is described by one list of
variables (see the README).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
# Bundled data lives at the repository root (data/); the package data (rates, rules,
# offices) lives inside the package so an installed wheel still finds it.
REPO_DIR = PACKAGE_DIR.parent.parent
BUNDLED_DATA_DIR = REPO_DIR / "data"
PACKAGE_DATA_DIR = PACKAGE_DIR / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPENCUSTOMS_", extra="ignore")

    var_dir: Path = Field(default=Path("var"), description="Working directory for state.")
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means a SQLite file under var_dir.",
    )
    model_dir: Path = Field(
        default=Path("var/models/current"),
        description="Risk model artefact served and retrained; default var_dir/models/current.",
    )
    rules_dir: Path = Field(
        default=PACKAGE_DATA_DIR / "risk" / "rules", description="Officer rules (YAML files)."
    )
    risk_capacity_file: Path = Field(
        default=PACKAGE_DATA_DIR / "risk" / "capacity.yaml",
        description="Daily inspection capacity per office and lane (YAML).",
    )
    # LightGBM with 2 OpenMP threads ran ~3x slower than with 1 on the reference machine;
    # the benchmarks measure both, so this stays a setting rather than a literal.
    n_threads: int = Field(default=1, ge=1, description="Threads for model fit/predict.")
    # Rows per ingest transaction: a 1M-row SQLite load took 65.5 s with 20,000 and
    # 59.2 s with 100,000 (peak 503 vs 781 MiB; benchmarks/RESULTS-declarations.md).
    ingest_batch_size: int = Field(default=100_000, ge=1)
    ingest_bulk_rows: int = Field(
        default=100_000,
        ge=1,
        description="A file ingest of at least this many rows, and at least as many as "
        "the store holds, builds the declaration search indexes once at the end instead of "
        "row by row (searches meanwhile are correct but slower).",
    )
    risk_batch_rows: int = Field(
        default=131_072,
        ge=1,
        description="Input rows per record batch of `risk score` on a file: peak memory "
        "grows with it, not with the file (the output is the same whatever the size).",
    )
    secret_key: str = Field(default="", description="Session signing key; random if empty.")
    session_lifetime: int = Field(
        default=12 * 3600,
        ge=60,
        le=30 * 24 * 3600,
        description="Seconds a UI session lasts after sign-in (server-side record and "
        "cookie); logout, disable, role change and password reset end it earlier.",
    )
    token_lifetime: int = Field(
        default=12 * 3600,
        ge=60,
        le=365 * 24 * 3600,
        description="Seconds an API bearer token from POST /api/auth/token stays valid; "
        "disable, role change and password reset end it earlier.",
    )
    upload_max_bytes: int = Field(
        default=64 * 1024 * 1024,
        gt=0,
        description="Largest uploaded file in bytes, counted after decompression; request "
        "bodies past it (plus 1 MiB of form framing) are refused with 413 while received.",
    )
    audit_key: str = Field(
        default="",
        description="HMAC key of the audit chain and its checkpoints; keep it out of the "
        "database (environment or secret store). Empty: plain SHA-256 chain.",
    )
    audit_checkpoint_file: Path | None = Field(
        default=None,
        description="Append-only file of signed audit checkpoints, outside the database; "
        "default var_dir/audit/checkpoints.jsonl.",
    )
    audit_checkpoint_every: int = Field(
        default=100, ge=1, description="Write an audit checkpoint every this many entries."
    )
    model_signing_key: str = Field(
        default="",
        description="HMAC key signing model artefact manifests and compiled-code records; "
        "when set, unsigned or wrongly signed artefacts are refused.",
    )
    offices_file: Path = Field(
        default=PACKAGE_DATA_DIR / "offices.yaml",
        description="Office register (customs offices and support centres) seeded for users.",
    )
    hs_prior_file: Path = Field(
        default=BUNDLED_DATA_DIR / "hs" / "trade_prior.csv",
        description="Declaration items per HS6 (trade-frequency prior of the HS classifier); "
        "`opencustoms hs prior` writes one from the declaration store.",
    )
    dask_scheduler: str = Field(
        default="",
        description="Dask scheduler address (tcp://host:8786) for --engine dask; empty "
        "starts a LocalCluster sized by the dask_* settings below.",
    )
    dask_workers: int = Field(
        default=0, ge=0, description="LocalCluster worker processes; 0 = one per core."
    )
    dask_threads_per_worker: int = Field(
        default=1, ge=1, description="Threads per LocalCluster worker process."
    )
    dask_memory_limit: str = Field(
        default="auto",
        description="Memory limit per LocalCluster worker ('4GiB', or 'auto' = RAM / workers).",
    )
    parcels_screening_file: Path = Field(
        default=PACKAGE_DATA_DIR / "parcels" / "screening.yaml",
        description="Parcel screening thresholds, typology decisions and detector parameters.",
    )
    parcels_upload_max_bytes: int = Field(
        default=200 * 1024 * 1024,
        ge=1,
        description="Largest manifest file the web upload accepts (bytes).",
    )
    portal_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public address of the portal, used in links sent by e-mail.",
    )
    mail_sender: str = Field(
        default="no-reply@customs.example", description="From address of portal e-mails."
    )
    smtp_host: str = Field(
        default="",
        description="SMTP server for portal e-mails; empty writes .eml files "
        "under var_dir/mail instead.",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP server port.")
    smtp_user: str = Field(default="", description="SMTP login; empty sends without login.")
    smtp_password: str = Field(default="", description="SMTP password.")
    smtp_tls: str = Field(
        default="starttls", pattern="^(starttls|ssl|none)$", description="SMTP transport security."
    )
    portal_limits_file: Path = Field(
        default=PACKAGE_DATA_DIR / "portal" / "limits.yaml",
        description="Per-IP and per-account rate limits of logins and public forms.",
    )
    exploration_share: float = Field(default=0.10, ge=0.0, le=1.0)
    exploration_strategy: str = Field(default="random", pattern="^(random|uncertainty|both)$")
    screening_review_threshold: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Party-screening matches at or above this score go to the review queue; "
        "empty = the threshold fitted with the matcher (data/screening/matcher_v1.yaml).",
    )
    seed: int = 42

    @model_validator(mode="after")
    def _state_under_var_dir(self) -> Settings:
        # The model belongs with the rest of the state, so one OPENCUSTOMS_VAR_DIR moves all.
        if "model_dir" not in self.model_fields_set:
            self.model_dir = self.var_dir / "models" / "current"
        if self.audit_checkpoint_file is None:
            self.audit_checkpoint_file = self.var_dir / "audit" / "checkpoints.jsonl"
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'opencustoms.sqlite').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
