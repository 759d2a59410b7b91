#!/usr/bin/env bash
# Post MHSYNC_REPORT on pull request MHSYNC_PR as one comment that later runs edit in place: the
# comment starts with a hidden marker naming MHSYNC_COMMENT_KEY; the first comment carrying it
# is updated, otherwise a new one is created. Uses the GitHub CLI (`gh`, on every hosted runner).
set -euo pipefail
marker="<!-- mhsync:${MHSYNC_COMMENT_KEY:-plan} -->"
body="${RUNNER_TEMP:-/tmp}/mhsync-comment-$$.md"
{ printf '%s\n' "$marker"; cat "${MHSYNC_REPORT:?}"; } > "$body"
repo="${GITHUB_REPOSITORY:?}"
existing=$(gh api --paginate "repos/$repo/issues/${MHSYNC_PR:?}/comments" \
    --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | sed -n 1p)
if [ -n "$existing" ]; then
    gh api --method PATCH "repos/$repo/issues/comments/$existing" -F "body=@$body" > /dev/null
    echo "updated comment $existing on #$MHSYNC_PR"
else
    gh api --method POST "repos/$repo/issues/$MHSYNC_PR/comments" -F "body=@$body" > /dev/null
    echo "commented on #$MHSYNC_PR"
fi
