"""A small real workspace shared by the workspace tests: the bundled 2021 Q1 declarations
of two offices ingested through the declarations service, a risk model trained on a
slice of 2020, the store scored by the risk engine, and one user per role and office."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from opencustoms.settings import BUNDLED_DATA_DIR, Settings, get_settings

KCS_TRAIN = BUNDLED_DATA_DIR / "kcs" / "df_syn_train_eng.csv"
KCS_VALID = BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv"

OWN, OTHER = "40", "20"
PASSWORD = "test-password-1"
# role name -> (role, office, trader id)
USERS = {
    "officer": ("officer", OWN, None),
    "officer_other": ("officer", OTHER, None),
    "supervisor": ("supervisor", OWN, None),
    "supervisor_other": ("supervisor", OTHER, None),
    "analyst": ("analyst", "10", None),
    "admin": ("admin", "10", None),
    "trader": ("trader", OWN, None),  # trader id filled from the data
}


@dataclass
class World:
    root: Path
    env: dict[str, str]
    own_ids: list[str] = field(default_factory=list)
    other_ids: list[str] = field(default_factory=list)
    trader_id: str = ""
    trader_ids: list[str] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)


def _env(root: Path) -> dict[str, str]:
    return {
        "OPENCUSTOMS_VAR_DIR": str(root / "var"),
        "OPENCUSTOMS_DATABASE_URL": f"sqlite:///{root / 'ws.sqlite'}",
        "OPENCUSTOMS_MODEL_DIR": str(root / "model"),
        "OPENCUSTOMS_SECRET_KEY": "test-secret-key",
        "OPENCUSTOMS_RULES_DIR": str(root / "rules"),
        "OPENCUSTOMS_RISK_CAPACITY_FILE": str(root / "capacity.yaml"),
    }


def _apply(env: dict[str, str]) -> None:
    os.environ.update(env)
    get_settings.cache_clear()


@contextmanager
def world_env(world: World) -> Iterator[None]:
    """The world's settings in the environment for a block; restored afterwards so
    other domains' tests never see them."""
    saved = {k: os.environ.get(k) for k in world.env}
    _apply(world.env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        get_settings.cache_clear()


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("workspace")
    env = _env(root)
    saved = {k: os.environ.get(k) for k in env}
    _apply(env)
    try:
        return _build(root, env)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        get_settings.cache_clear()


def _build(root: Path, env: dict[str, str]) -> World:
    import shutil

    from opencustoms.db import get_engine
    from opencustoms.declarations.io import load_frame
    from opencustoms.declarations.service import ingest_file
    from opencustoms.risk import service
    from opencustoms.risk.training import train as train_model
    from opencustoms.settings import PACKAGE_DATA_DIR

    # A private copy of the installed rules: the tests create and edit rules.
    shipped = next(
        p for p in (PACKAGE_DATA_DIR / "risk" / "rules", PACKAGE_DATA_DIR / "rules") if p.is_dir()
    )
    shutil.copytree(shipped, root / "rules")
    shutil.copy(PACKAGE_DATA_DIR / "risk" / "capacity.yaml", root / "capacity.yaml")
    world = World(root=root, env=env)
    settings = get_settings()
    engine = get_engine(settings.resolved_database_url)
    valid = pd.read_csv(KCS_VALID, dtype=str)
    valid = valid[valid["Office ID"].isin([OWN, OTHER])].head(400)
    sample = root / "valid_sample.csv"
    valid.to_csv(sample, index=False)
    train = pd.read_csv(KCS_TRAIN, dtype=str).tail(6000)
    train_file = root / "train_sample.csv"
    train.to_csv(train_file, index=False)
    train_model(load_frame(train_file, "kcs")).save(settings.model_dir)
    ingest_file(path=sample, profile="kcs", engine=engine)
    service.score_store(engine=engine)
    world.own_ids = valid.loc[valid["Office ID"] == OWN, "Declaration ID"].tolist()
    world.other_ids = valid.loc[valid["Office ID"] == OTHER, "Declaration ID"].tolist()
    own = valid[valid["Office ID"] == OWN]
    world.trader_id = str(own["Importer ID"].value_counts().index[0])
    # A trader follows their declarations at every office.
    mine = (valid["Importer ID"] == world.trader_id) | (valid["Declarant ID"] == world.trader_id)
    world.trader_ids = valid.loc[mine, "Declaration ID"].tolist()
    from opencustoms.workspace.models import UserCreate
    from opencustoms.workspace.sessions import issue_token
    from opencustoms.workspace.users import create_user, prepare_database

    prepare_database(engine)
    for name, (role, office, _) in USERS.items():
        user = create_user(
            engine=engine,
            data=UserCreate(
                username=name,
                password=PASSWORD,
                role=role,
                office=office,  # type: ignore[arg-type]
                trader_id=world.trader_id if role == "trader" else None,
            ),
        )
        world.tokens[name], _ = issue_token(engine=engine, user=user)
    return world


@pytest.fixture(scope="module")
def live_app(world: World) -> object:
    """The app browser_kit's ``live_server`` serves: the workspace over the test world."""
    from opencustoms.web.app import create_app

    with world_env(world):
        return create_app(Settings())


@pytest.fixture
def settings(world: World, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for k, v in world.env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    from opencustoms.web.app import create_app

    with TestClient(create_app(settings)) as c:
        yield c


def auth(world: World, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[name]}"}
