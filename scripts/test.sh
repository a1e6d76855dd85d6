#!/usr/bin/env bash
# Runs every test on a fresh machine: starts a throwaway PostgreSQL (installing it if missing), builds the
# solution once, runs all test projects against real PostgreSQL and real SQLite files (and the dashboard in headless
# Chromium, installed if missing), stops PostgreSQL,
# and prints a closing line "N passed, N failed".
#   bash scripts/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Sqlite]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

export DBOS_PG_DIR="${DBOS_PG_DIR:-/tmp/dbos-test-pg-$$}"
DBOS_TEST_POSTGRES_URL=$(bash scripts/postgres.sh start)
export DBOS_TEST_POSTGRES_URL
trap 'bash "$root/scripts/postgres.sh" stop >/dev/null 2>&1 || true' EXIT
echo "PostgreSQL for the tests: $DBOS_TEST_POSTGRES_URL"

# The dashboard's browser test drives Debian's headless Chromium (tests/AspNetCore.Tests/Browser); install it when missing.
if [ -z "${DBOS_CHROMIUM:-}" ] && [ "${DBOS_SKIP_BROWSER_TESTS:-}" != "1" ] \
  && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "test.sh: installing Chromium for the dashboard's browser test..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2
  else
    echo "test.sh: Chromium is missing and this is not root: the browser test will fail (apt-get install chromium, or DBOS_SKIP_BROWSER_TESTS=1)." >&2
  fi
fi

dotnet build Workflows.sln -c Release -nologo -clp:ErrorsOnly

results="$root/.tmp/test-results"
rm -rf "$results"
mkdir -p "$results"
status=0
dotnet test Workflows.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" || status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the run failed without a failing test (build or crash): do not report success
fi
echo "$passed passed, $failed failed"
exit "$status"
