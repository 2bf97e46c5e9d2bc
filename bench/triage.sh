#!/usr/bin/env bash
# Issue 15's scale figures: import rate, list, list --text, list --json, show and stats over vaults of 10,000 and
# 100,000 reports, in a running process and as cold commands (the console published as docs/reviewer/README.md
# says), each beside a bare read of the same vault file (Microsoft.Data.Sqlite in process, the sqlite3 program cold),
# as ratios. Takes about ten minutes.   usage: bash bench/triage.sh [sizes, default 10000,100000] [repeats, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v sqlite3 >/dev/null || apt-get install -y -q sqlite3 >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q sqlite3 >/dev/null; }
published=$(mktemp -d)
trap 'rm -rf "$published"' EXIT
echo "publishing the console as the guide says ..." >&2
dotnet publish src/Review.Console -c Release -r linux-x64 --self-contained -p:PublishReadyToRun=true -v q -nologo -o "$published" >/dev/null
dotnet run -c Release --project bench/TriageBench -- "${1:-10000,100000}" "${2:-5}" "$published/safeintake-review"
