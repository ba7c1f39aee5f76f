#!/usr/bin/env bash
# Reports, to-do, reminders and search over a large repository (issue 14's targets: every report
# under 1 s warm and 2 s cold; todo under 200 ms warm; search under 100 ms warm). Generates N contracts × M commits with
# accord-bench-gen (or REUSE=1: the repository of an earlier run, e.g. of contracts-vs-git.sh).
# "Warm" is the median of R runs after one untimed run (the OS page cache holds the pack);
# "cold" is the first run with no derived data (the query index accord/index.sqlite deleted
# before it): every contract's head is read.
# With DATA=fixtures, the repository is instead N/24 copies of the 24 fixture contracts (every
# status, with their records: reviews waiting, signed contracts, overdue milestones), imported in
# one transaction (Benchmarks/fixture_copies.py), so the to-do queue has items to find.
# Usage: Benchmarks/reports-bench.sh [N=10000] [M=2] [WORKDIR=/tmp/accord-rbench]
set -euo pipefail
N=${1:-10000}; M=${2:-2}; W=${3:-/tmp/accord-rbench}
R=5
ROOT=$(cd "$(dirname "$0")/.." && pwd)
swift build -c release --package-path "$ROOT" >/dev/null 2>&1
BIN="$ROOT/.build/release"
export ACCORD_DIR="$W/repo.git" ACCORD_AUTHOR_NAME=Bench ACCORD_AUTHOR_EMAIL=bench@example.com ACCORD_ROLE=salesHead ACCORD_OFFICE=华东办事处
if [ "${REUSE:-0}" = 1 ] && [ -d "$W/repo.git" ]; then gen="(reused)"
elif [ "${DATA:-}" = fixtures ]; then
  rm -rf "$W"; mkdir -p "$W"
  s=$(date +%s)
  files=$(python3 "$ROOT/Benchmarks/fixture_copies.py" $(( (N + 23) / 24 )) "$W/import")
  ACCORD_ROLE=contractAdmin "$BIN/accord" init --bare "$W/repo.git" >/dev/null
  ACCORD_ROLE=contractAdmin "$BIN/accord" config accord.fsyncObjectFiles false # generation speed; the timed commands only read
  # shellcheck disable=SC2086
  ACCORD_ROLE=contractAdmin "$BIN/accord" import $files >/dev/null
  gen="$(( $(date +%s) - s )) s, fixture copies"
else
  rm -rf "$W"; mkdir -p "$W"
  s=$(date +%s); "$BIN/accord-bench-gen" "$W/repo.git" "$N" "$M" 2>/dev/null; gen="$(( $(date +%s) - s )) s"
fi
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median_ms() {
  "$@" >/dev/null 2>&1 || true
  local times=(); for _ in $(seq $R); do times+=($(ms "$@")); done
  printf "%s\n" "${times[@]}" | sort -n | sed -n "$(( (R + 1) / 2 ))p"
}
A="$BIN/accord"; D=--as-of=2026-12-01
"$A" gc -q
echo "repository: $("$A" list 2>/dev/null | wc -l) contracts (generated: $gen; N=$N M=$M ${DATA:-accord-bench-gen}); $(du -sh "$W/repo.git" | cut -f1); $(nproc) cores"
echo
echo "| command (all $N contracts) | cold ms | warm ms (median of $R) |"
echo "|---|---|---|"
row() { local label=$1; shift; rm -f "$W/repo.git/accord/index.sqlite"*; local c; c=$(ms "$@"); echo "| $label | $c | $(median_ms "$@") |"; }
row "accord report ledger --json" "$A" report ledger $D --json
row "accord report ledger (table)" "$A" report ledger $D
row "accord report expiring --json" "$A" report expiring $D --json
row "accord report overdue --json" "$A" report overdue $D --json
row "accord report receivables --group-by office --json" "$A" report receivables $D --group-by office --json
row "accord report monthly --json" "$A" report monthly $D --json
row "accord report performance --json" "$A" report performance $D --json
row "accord report dashboard (HTML)" "$A" report dashboard $D
row "accord todo --json (salesHead)" "$A" todo $D --json
row "accord todo --json (legal)" env ACCORD_ROLE=legal "$A" todo $D --json
row "accord todo --json (management)" env ACCORD_ROLE=management "$A" todo $D --json
row "accord remind --json" "$A" remind $D --json
row "accord list" "$A" list
row "accord search '数控设备 4242' (one contract's subject)" "$A" search "数控设备 4242"
row "accord search HT-104242 (a number)" "$A" search HT-104242
row "accord search 违约方赔偿 (a clause in every contract: $N lines)" "$A" search 违约方赔偿
