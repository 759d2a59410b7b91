"""The canonical layout of a manifest document: which keys it leaves out and their order.

Both are read from the manifest models (``AgentDocument``), so the order is the one the schema
and ``docs/manifests.md`` show: ``apiVersion, kind, metadata, spec``; in ``spec`` the core fields
in model order, then ``settings``, then the sections in descriptor-table order; inside items the
model's field order. Keys a model does not know (open-ended settings) follow in their own order.
Export writes this layout and ``fmt`` rewrites files into it, so the two always agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from mhsync.manifest.document import model_at
from mhsync.manifest.fragment_model import FRAGMENT_KIND, FragmentDocument
from mhsync.manifest.yamlio import Loc

_NO_DEFAULT = object()


def model_for(loc: Loc, root: type[BaseModel] | None = None) -> type[BaseModel] | None:
    """The model of the mapping at ``loc`` of a document (an agent's unless ``root`` says)."""
    return model_at(loc) if root is None else model_at(loc, root)


def root_for(document: Any) -> type[BaseModel] | None:
    """The model of a whole document by its ``kind``: ``None`` (an agent) or the fragment's."""
    kind = document.get("kind") if isinstance(document, dict) else None
    return FragmentDocument if kind == FRAGMENT_KIND else None


def ordered_keys(loc: Loc, keys: Iterable[str], root: type[BaseModel] | None = None) -> list[str]:
    """``keys`` of the mapping at ``loc`` in canonical order (stable for unknown keys)."""
    present = list(keys)
    model = model_for(loc, root)
    if model is None:
        return present
    rank = {name: index for index, name in enumerate(model.model_fields)}
    known = sorted((k for k in present if k in rank), key=rank.__getitem__)
    return known + [k for k in present if k not in rank]


def default_of(loc: Loc, key: str) -> Any:
    """The model default of ``key`` in the mapping at ``loc``; ``_NO_DEFAULT`` when required."""
    model = model_for(loc)
    info = model.model_fields.get(key) if model is not None else None
    if info is None or info.is_required():
        return _NO_DEFAULT
    default = info.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        return default.model_dump(mode="json")
    return default


def is_default(loc: Loc, key: str, value: Any) -> bool:
    """True when ``value`` is what the model fills in anyway, so writing it adds nothing."""
    default = default_of(loc, key)
    if default is _NO_DEFAULT:
        return False
    return type(default) is type(value) and bool(default == value)


def canonical_layout(value: Any, loc: Loc = (), root: type[BaseModel] | None = None) -> Any:
    """A copy of ``value`` with model defaults left out and keys in canonical order."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key in ordered_keys(loc, value, root):
            child = canonical_layout(value[key], (*loc, key), root)
            if not is_default(loc, key, child):
                out[key] = child
        return out
    if isinstance(value, list):
        return [
            canonical_layout(element, (*loc, index), root) for index, element in enumerate(value)
        ]
    return value
