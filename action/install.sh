#!/usr/bin/env bash
# Install mhsync into its own virtual environment and put it on PATH for the job's later steps.
# MHSYNC_PACKAGE: what pip installs (empty: the action's own checkout, i.e. the pinned ref).
set -euo pipefail
venv="${RUNNER_TEMP:?}/mhsync-venv"
if [ ! -x "$venv/bin/mhsync" ]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "${MHSYNC_PACKAGE:-${GITHUB_ACTION_PATH:?}}"
fi
echo "$venv/bin" >> "${GITHUB_PATH:?}"
"$venv/bin/mhsync" --version
