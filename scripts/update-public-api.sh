#!/usr/bin/env bash
# Adds every public symbol the PublicApiAnalyzers report as undeclared (RS0016) to PublicAPI.Unshipped.txt
# of the given project, e.g.: scripts/update-public-api.sh src/Runtime
set -euo pipefail
project_dir=${1:?project directory}
log=$(mktemp)
dotnet build "$project_dir" -p:TreatWarningsAsErrors=false > "$log" 2>&1 || true
unshipped="$project_dir/PublicAPI.Unshipped.txt"
{ cat "$unshipped"; grep -oP "RS0016: Symbol '\K.*(?=' is not part of the declared public API)" "$log" || true; } \
  | grep -v '^#nullable enable$' | sort -u > "$log.new"
{ echo '#nullable enable'; cat "$log.new"; } > "$unshipped"
rm -f "$log" "$log.new"
echo "updated $unshipped ($(($(wc -l < "$unshipped") - 1)) symbols)"
