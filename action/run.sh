#!/usr/bin/env bash
# Run `mhsync $MHSYNC_COMMAND` and record its exit code as a step output (the action's last step
# exits with it, after the comment is posted). With MHSYNC_COMMENT=true the command runs with
# --markdown; its report goes to a file, to the job summary and to the comment step.
set -uo pipefail
read -r -a args <<< "${MHSYNC_COMMAND:?}"
mhsync=$(command -v mhsync || echo "${RUNNER_TEMP:?}/mhsync-venv/bin/mhsync")
if [ "${MHSYNC_COMMENT:-false}" = "true" ]; then
    report="${RUNNER_TEMP:?}/mhsync-report-$$.md"
    "$mhsync" "${args[@]}" --markdown > "$report"
    code=$?
    if [ -s "$report" ]; then
        cat "$report" >> "${GITHUB_STEP_SUMMARY:-/dev/null}"
        echo "report=$report" >> "${GITHUB_OUTPUT:?}"
    fi
else
    "$mhsync" "${args[@]}"
    code=$?
fi
echo "exit-code=$code" >> "${GITHUB_OUTPUT:?}"
exit 0
