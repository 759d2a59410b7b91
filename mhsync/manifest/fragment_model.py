"""The ``Fragment`` document as pydantic models: a named, partial agent spec to share.

A fragment's spec is any subset of an agent's spec (so every field is optional, ``name`` too);
its values are validated where they end up, inside each agent that uses it, so that an error
names both the fragment's line and the agent. The models here check the envelope and metadata of
every fragment and are the source of the fragment part of the JSON Schema.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from mhsync.manifest.document import (
    DROP_DESCRIPTION,
    USES_DESCRIPTION,
    AgentSpec,
    Drops,
    Handle,
    Uses,
)
from mhsync.sections.models import Strict

FRAGMENT_KIND = "Fragment"
_API_VERSION: Any = Literal["mhsync/v1"]
_KIND: Any = Literal["Fragment"]


class FragmentMetadata(Strict):
    """Who the fragment is: the handle agents name in ``metadata.uses``."""

    name: Handle = Field(description="Handle agents name in metadata.uses.")
    description: str | None = Field(default=None, description="What the fragment is for.")
    uses: Uses = Field(default_factory=list, description=USES_DESCRIPTION)
    drop: Drops = Field(default_factory=list, description=DROP_DESCRIPTION)


FragmentSpec: type[BaseModel] = create_model(
    "FragmentSpec",
    __base__=AgentSpec,
    __doc__="Any subset of an agent's spec: core fields, settings and sections.",
    name=(str | None, Field(default=None, min_length=1)),
)

FragmentDocument: type[BaseModel] = create_model(
    "FragmentDocument",
    __base__=Strict,
    __doc__="Spec shared by the agents that name it in metadata.uses.",
    apiVersion=(_API_VERSION, Field(description="Always mhsync/v1.")),
    kind=(_KIND, Field(description="Always Fragment.")),
    metadata=(FragmentMetadata, ...),
    spec=(FragmentSpec, Field(default_factory=dict)),
)


class FragmentEnvelope(Strict):
    """The parts of a fragment checked on their own (its spec is checked in each agent)."""

    apiVersion: Literal["mhsync/v1"]
    kind: Literal["Fragment"]
    metadata: FragmentMetadata
    spec: dict[str, object] = Field(default_factory=dict)
