#!/usr/bin/env bash
# Runs every test SafeIntake has (.NET and JavaScript) and ends with one line: "N passed, N failed[, N skipped]".
# Usage: bash scripts/test.sh            (from anywhere in the repository)
set -uo pipefail
cd "$(dirname "$0")/.."

results=artifacts/test-results
rm -rf "$results" && mkdir -p "$results"

if [ ! -f node_modules/libsodium-wrappers-sumo/package.json ]; then
  npm ci --ignore-scripts --no-audit --no-fund || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi

dotnet test SafeIntake.sln --logger "trx" --results-directory "$results" --logger "console;verbosity=minimal"
dotnet_status=$?

node --test --test-reporter=spec --test-reporter-destination=stdout \
     --test-reporter=tap --test-reporter-destination="$results/js.tap" tests/js/
node_status=$?

# dotnet test's own summary is per assembly; count from the TRX files and the TAP summary instead.
read -r dn_passed dn_failed dn_skipped < <(python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    c = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(c.get("passed", 0))
    failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    # xunit's skipped tests appear as results with outcome NotExecuted, not always in the counters.
    root = ET.parse(path).getroot()
    skipped += max(int(c.get("notExecuted", 0)), len(root.findall(".//t:UnitTestResult[@outcome='NotExecuted']", ns)))
print(passed, failed, skipped)
PY
)
js_passed=$(awk '/^# pass /{print $3}' "$results/js.tap" | tail -1)
js_failed=$(awk '/^# fail /{print $3}' "$results/js.tap" | tail -1)
js_skipped=$(awk '/^# skipped /{print $3}' "$results/js.tap" | tail -1)
js_passed=${js_passed:-0}; js_failed=${js_failed:-0}; js_skipped=${js_skipped:-0}

# A runner that crashed before reporting counts as a failure, never as silence.
[ "$dotnet_status" -ne 0 ] && [ "${dn_failed:-0}" -eq 0 ] && dn_failed=1
[ "$node_status" -ne 0 ] && [ "$js_failed" -eq 0 ] && js_failed=1

passed=$(( ${dn_passed:-0} + js_passed ))
failed=$(( ${dn_failed:-0} + js_failed ))
skipped=$(( ${dn_skipped:-0} + js_skipped ))
echo ".NET: ${dn_passed:-0} passed, ${dn_failed:-0} failed, ${dn_skipped:-0} skipped; JavaScript: $js_passed passed, $js_failed failed, $js_skipped skipped"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
