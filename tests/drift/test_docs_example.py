"""The drift document shown in docs/operations.md is a valid document of the current version."""

from __future__ import annotations

import json
import re
from pathlib import Path

from mhsync.render.drift import DRIFT_FORMAT_VERSION, DriftReport

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_documented_drift_json_matches_the_model() -> None:
    text = DOC.read_text(encoding="utf-8")
    (example,) = re.findall(r"```json\n(.*?)```", text, flags=re.S)
    data = json.loads(example)
    derived = {key: data.pop(key) for key in ("drifted", "counts")}
    report = DriftReport.model_validate(data)
    assert report.format_version == DRIFT_FORMAT_VERSION
    assert derived == {"drifted": report.drifted, "counts": report.counts()}
    assert json.loads(report.to_json()) == {**data, **derived}
