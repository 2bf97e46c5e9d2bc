#!/usr/bin/env bash
# Issue 5's numbers: list with filters and text search, show and stats over 10,000 imported reports, as ratios to a
# bare row scan on the same vault in the same run.   usage: bash bench/triage.sh [reports] [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project bench/TriageBench -- "${1:-10000}" "${2:-9}"
