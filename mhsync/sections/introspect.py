"""Looking inside model annotations, shared by the manifest reader and the API converter."""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from typing import Annotated, Any, Union

from pydantic import BaseModel


def inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``Model | None``, ``list[Model]`` or ``Annotated[Model, ...]``."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType, list, Annotated):
        for arg in typing.get_args(annotation):
            found = inner_model(arg)
            if found is not None:
                return found
        return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


@functools.cache
def field_models(model: type[BaseModel]) -> Mapping[str, type[BaseModel] | None]:
    """Field name -> the model inside its annotation (``inner_model``), once per model.

    Readers of API data ask this for every key of every item (tens of thousands per plan);
    ``inner_model`` walks ``typing`` annotations, which is slow to repeat.
    """
    return {name: inner_model(info.annotation) for name, info in model.model_fields.items()}


@functools.cache
def is_open(model: type[BaseModel]) -> bool:
    """Whether ``model`` keeps fields it does not declare (``extra="allow"``)."""
    return model.model_config.get("extra") == "allow"
