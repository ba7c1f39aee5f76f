#!/usr/bin/env bash
# Contract-level benchmark, beside stock git on the same repository in the same run:
# N contracts × M commits each (generated through the real ContractStore), packed by accord gc;
# then show / log / diff / blame of single contracts, and list over all of them.
# Usage: Benchmarks/contracts-vs-git.sh [N=10000] [M=20] [WORKDIR=/tmp/accord-cbench]
# Prints a Markdown table of median wall milliseconds over R runs on S sample contracts.
set -euo pipefail
N=${1:-10000}; M=${2:-20}; W=${3:-/tmp/accord-cbench}
R=5; S=10
ROOT=$(cd "$(dirname "$0")/.." && pwd)
swift build -c release --package-path "$ROOT" >/dev/null 2>&1
BIN="$ROOT/.build/release"
export ACCORD_DIR="$W/repo.git"
if [ "${REUSE:-0}" = 1 ] && [ -d "$W/repo.git" ]; then
  gen="(reused)"; gcs="(reused)"   # REUSE=1: time again on the repository of an earlier run
else
  rm -rf "$W"; mkdir -p "$W"
  start=$(date +%s.%N)
  "$BIN/accord-bench-gen" "$W/repo.git" "$N" "$M" 2>/dev/null
  gen=$(echo "$(date +%s.%N) - $start" | bc)
  start=$(date +%s.%N); "$BIN/accord" gc -q; gcs=$(echo "$(date +%s.%N) - $start" | bc)
fi

# median_ms CMD...: median wall time of R runs, in milliseconds ($PREP, if set, runs untimed before each)
median_ms() {
  local times=()
  for _ in $(seq $R); do
    ${PREP:-:}
    local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
    times+=($(( (e - s) / 1000000 )))
  done
  printf "%s\n" "${times[@]}" | sort -n | sed -n "$(( (R + 1) / 2 ))p"
}
samples=$(for i in $(seq 0 $((S - 1))); do echo "HT-$((100000 + i * N / S))"; done)
declare -A total
for c in $samples; do
  total[show]+=" $(median_ms "$BIN/accord" show "$c")"
  total[log]+=" $(median_ms "$BIN/accord" log "$c")"
  total[diff]+=" $(median_ms "$BIN/accord" diff "$c" HEAD~5 HEAD)"
  total[blame]+=" $(median_ms "$BIN/accord" blame "$c")"
  total[gitlog]+=" $(median_ms git --git-dir "$W/repo.git" log "refs/contracts/$c")"
done
med() { printf "%s\n" $1 | sort -n | sed -n "$(( ($(printf "%s\n" $1 | wc -l) + 1) / 2 ))p"; }
echo "repository: $N contracts × $M commits = $((N * M)) commits; generated in ${gen%.*} s, accord gc ${gcs%.*} s; $(du -sh "$W/repo.git" | cut -f1)"
echo ""
echo "| command (one contract, median of $S contracts × $R runs) | ms |"
echo "|---|---|"
echo "| accord show NUMBER | $(med "${total[show]}") |"
echo "| accord log NUMBER | $(med "${total[log]}") |"
echo "| accord diff NUMBER HEAD~5 HEAD | $(med "${total[diff]}") |"
echo "| accord blame NUMBER | $(med "${total[blame]}") |"
echo "| git log refs/contracts/NUMBER | $(med "${total[gitlog]}") |"
echo "| accord list (all $N) | $(median_ms "$BIN/accord" list) |"
echo "| accord list --status draft --json (all $N) | $(median_ms "$BIN/accord" list --status draft --json) |"
PREP="rm -f $W/repo.git/accord/index.sqlite"   # cold: no query index, every contract read
echo "| accord list, cold (all $N) | $(median_ms "$BIN/accord" list) |"
echo "| accord list --status draft --json, cold (all $N) | $(median_ms "$BIN/accord" list --status draft --json) |"
unset PREP
