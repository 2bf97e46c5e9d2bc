#!/usr/bin/env bash
# Issue 9's throughput figure: reports/s and p50/p99 per phase (create, chunk, finalize) for the intake server and
# for a bare ASP.NET Core app writing the same bytes with fsync + rename, at concurrency 1, 16 and 64, with the
# ratio. Loopback only; bounded by the report count. Usage: bash bench/load.sh [reports per level, default 320]
# The abuse figure (200 witnesses during a /pow drain) is bench/load.py.
set -euo pipefail
cd "$(dirname "$0")/.."
# LoadBench builds the server too, through the tests it references.
dotnet build -c Release -v q -nologo bench/LoadBench >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
dotnet bench/LoadBench/bin/Release/net10.0/LoadBench.dll src/Intake.Web/bin/Release/net10.0/SafeIntake.Intake.Web.dll "$dir" "${1:-320}"
