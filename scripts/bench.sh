#!/usr/bin/env bash
# The benchmarks in one command: builds Release, starts a throwaway PostgreSQL (scripts/postgres.sh in a directory
# of its own), runs the throughput harness beside the DBOS TypeScript peer on that server, and stops PostgreSQL.
#
#   bash scripts/bench.sh                      every row (takes a few minutes; 100,000 waiting workflows included)
#   bash scripts/bench.sh --only sequential,concurrent --seq 500     harness options pass through (see --help)
#   bash scripts/bench.sh --micro [ARGS]       the BenchmarkDotNet micro benchmarks instead (ARGS go to BenchmarkDotNet)
#
# Counts can also come from the environment as for the peer: SEQ, CONC, LAT, PINGS, WAITERS (and PEER_WAITERS).
# Results: the table on stdout, benchmarks/results/throughput.json and throughput.md. Progress goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DBOS_PG_DIR="${DBOS_BENCH_PG_DIR:-/tmp/dbos-bench-pg}"

MODE=throughput
if [ "${1:-}" = "--micro" ]; then
  MODE=micro
  shift
fi

if [ "$MODE" = micro ]; then
  PROJECT=benchmarks/Micro
  DLL=benchmarks/Micro/bin/Release/net10.0/Dbos.Benchmarks.dll
else
  PROJECT=benchmarks/Throughput
  DLL=benchmarks/Throughput/bin/Release/net10.0/Dbos.Benchmarks.Throughput.dll
fi

echo "bench.sh: building $PROJECT (Release)..." >&2
dotnet build "$PROJECT" -c Release -nologo -v quiet >&2

stop_postgres() { bash "$ROOT/scripts/postgres.sh" stop >/dev/null 2>&1 || true; }
trap stop_postgres EXIT
URL="$(bash "$ROOT/scripts/postgres.sh" start)"
echo "bench.sh: PostgreSQL at $URL (directory $DBOS_PG_DIR)" >&2

if [ "$MODE" = micro ]; then
  DBOS_BENCH_PG="$URL" dotnet "$DLL" "$@"
else
  dotnet "$DLL" --pg "$URL" --command "bash scripts/bench.sh${*:+ $*}" \
    --json benchmarks/results/throughput.json --markdown benchmarks/results/throughput.md "$@"
fi
