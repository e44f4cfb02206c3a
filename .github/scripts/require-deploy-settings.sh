#!/usr/bin/env bash
# Fails the deploy when the repository variables it needs are missing. Called from a step (where
# every variable is loaded), never from a job-level `if`, which would skip the job and leave main green.
set -euo pipefail
missing=()
[ -n "${DEPLOY_ROLE:-}" ] || missing+=(AWS_DEPLOY_ROLE_ARN)
[ -n "${DEPLOY_REGION:-}" ] || missing+=(AWS_REGION)
if [ ${#missing[@]} -gt 0 ]; then
  echo "::error::Set the repository variables ${missing[*]} (docs/deploy.md, section 4); nothing was deployed."
  exit 1
fi
echo "deploying with ${DEPLOY_ROLE} in ${DEPLOY_REGION}"
