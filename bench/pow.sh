#!/usr/bin/env bash
# Issue 12's numbers, in one run: proof-of-work median/p95 in Chromium at "Standard" and "Safer" (BrowserBench),
# then what a native 2-core attacker pays per accepted submission before and after, and the server's verify cost
# (PowBench, with the hand-tuned C trial pbkdf2_fast as the attacker's best PBKDF2).
#   usage: bash bench/pow.sh [solves per level]
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
cc -O2 -o "$out/pbkdf2_fast" bench/PowBench/pbkdf2_fast.c -lcrypto -lpthread
dotnet build -c Release bench/BrowserBench -v q -nologo >/dev/null
dotnet build -c Release bench/PowBench -v q -nologo >/dev/null
dotnet bench/BrowserBench/bin/Release/net10.0/BrowserBench.dll "${1:-60}"
echo
iterations=$(grep -o 'PowIterations { get; set; } = [0-9]*' src/Intake.Web/IntakeOptions.cs | grep -o '[0-9]*$')
read -r fast1 fast2 < <("$out/pbkdf2_fast" "$iterations")
PBKDF2_FAST="$fast1 $fast2" dotnet bench/PowBench/bin/Release/net10.0/PowBench.dll
rm -rf "$out"
