#!/usr/bin/env bash
# Issue 9's numbers: kill -9 the real server at random moments during concurrent uploads (default 100 cycles), and
# run admin commands beside a running server during uploads (default 30 runs); prints how many reports got 201,
# how many an export returned byte-identical, and how many were lost (must be 0).
#   usage: bash bench/killloop.sh [kill cycles] [admin runs]
set -euo pipefail
cd "$(dirname "$0")/.."
export SAFEINTAKE_KILL_CYCLES="${1:-100}" SAFEINTAKE_ADMIN_RUNS="${2:-30}"
dotnet build tests/Intake.Web.Tests -v q -nologo
dotnet test tests/Intake.Web.Tests --no-build --filter "FullyQualifiedName~KillLoopTests" --logger "console;verbosity=normal" \
  | grep -E "kill loop:|admin loop:|Passed |Failed |Total tests"
