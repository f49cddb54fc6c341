"""What the case network may draw, as data: the node and edge sources (tables, columns,
relation, amount) and the growth limits, read from ``data/cases/network.yaml`` and
validated, so a new detector's tables join the network by editing the file, not the code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from opencustoms.settings import PACKAGE_DATA_DIR

NETWORK_FILE = PACKAGE_DATA_DIR / "cases" / "network.yaml"


class EndSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str
    type: str
    prefix: str = ""


class RelationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str | None = None
    value: str | None = None
    prefix: str = ""


class AmountSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str
    currency: str | None = None
    currency_column: str | None = None


class EdgeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    tables: list[str]
    source: EndSpec
    target: EndSpec
    relation: RelationSpec
    amount: AmountSpec | None = None
    id: str | None = None
    evidence: str | None = None


class NodeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tables: list[str]
    id: str
    type: str
    label: str | None = None


class Limits(BaseModel):
    max_nodes: int = Field(gt=0)
    max_hops: int = Field(gt=0)
    max_neighbours: int = Field(gt=0)
    reference: str


class NetworkConfig(BaseModel):
    valid_from: str | Any
    reference: str
    nodes: list[NodeSpec]
    edges: list[EdgeSpec]
    limits: Limits
    evidence_types: dict[str, str] = Field(
        default_factory=dict, description="evidence kind -> node type of its ids"
    )


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> NetworkConfig:
    return NetworkConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_config(path: Path | None = None) -> NetworkConfig:
    file = path or NETWORK_FILE
    return _load(file, file.stat().st_mtime)
