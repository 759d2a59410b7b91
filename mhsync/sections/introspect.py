"""Looking inside model annotations, shared by the manifest reader and the API converter."""

from __future__ import annotations

import types
import typing
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
