#!/usr/bin/env bash
# Trust benchmark (issue "Authority you can verify"): the same sync as sync-vs-git.sh, twice on
# the same data: once in repositories without an organisation (unsigned commits, as before) and
# once after head office adopted one (every commit signed; on pull every received commit's
# signature, signer, role, office and records checked). Then the cost of one signed commit.
# Usage: Benchmarks/trust-vs-unsigned.sh [N=10000] [C=1000] [O=100] [RUNS=3] [WORKDIR=/tmp/accord-tbench]
# ACCORD_SCRATCH: a SwiftPM scratch path for the release build (default .build).
set -euo pipefail
N=${1:-10000}; C=${2:-1000}; O=${3:-100}; RUNS=${4:-3}; W=${5:-/tmp/accord-tbench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCRATCH=${ACCORD_SCRATCH:-$ROOT/.build}
swift build -c release --package-path "$ROOT" --scratch-path "$SCRATCH" --product accord >/dev/null 2>&1
swift build -c release --package-path "$ROOT" --scratch-path "$SCRATCH" --product accord-bench-gen >/dev/null 2>&1
BIN="$SCRATCH/release"
A="$BIN/accord"
rm -rf "$W"; mkdir -p "$W"
"$BIN/accord-bench-gen" "$W/hub.git" "$N" 1 2>/dev/null
ACCORD_DIR="$W/hub.git" "$A" gc -q
ssh-keygen -q -t ed25519 -N '' -C bench@example.com -f "$W/bench_key"
ssh-keygen -q -t ed25519 -N '' -C admin@example.com -f "$W/admin_key"

setup() { # $1: plain|signed
  local d="$W/$1"
  mkdir -p "$d"; cp -a "$W/hub.git" "$d/hub.git"
  if [ "$1" = signed ]; then
    (export ACCORD_DIR="$d/hub.git" ACCORD_SIGNING_KEY="$W/admin_key" ACCORD_AUTHOR_NAME=Admin ACCORD_AUTHOR_EMAIL=admin@example.com
     "$A" org init --role contractAdmin >/dev/null
     "$A" org person add bench@example.com --name Bench --key "$W/bench_key.pub" --role salesRep \
       --office 华东办事处 --office 华南办事处 --office 'North Office' 2>/dev/null)
  fi
  for r in a b; do
    "$A" clone -q "$d/hub.git" "$d/$r"
    (cd "$d/$r" && "$A" config user.name "Bench $r" && "$A" config user.email bench@example.com)
    if [ "$1" = signed ]; then (cd "$d/$r" && "$A" config user.signingKey "$W/bench_key"); else (cd "$d/$r" && "$A" config user.role salesRep && "$A" config user.office X); fi
  done
  local key=""; [ "$1" = signed ] && key="$W/bench_key"
  # A changes contracts [0, C); B changes [C-O, 2C-O): O contracts changed by both.
  BENCH_SIGNING_KEY="$key" "$BIN/accord-bench-gen" edit "$d/a/.accord" 0 "$C" a
  BENCH_SIGNING_KEY="$key" "$BIN/accord-bench-gen" edit "$d/b/.accord" $((C - O)) "$C" b
  (cd "$d/b" && "$A" push -q)
}
setup plain
setup signed

declare -A times
for k in $(seq "$RUNS"); do
  for mode in plain signed; do
    d="$W/$mode"; rm -rf "$d/try"; cp -a "$d/a" "$d/try"
    s=$(date +%s%N); (cd "$d/try" && "$A" pull --json > "$d/pull.out"); e=$(date +%s%N)
    times[$mode]="${times[$mode]:-} $(( (e - s) / 1000000 ))"
  done
done
med() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
p=$(echo "${times[plain]}" | med); sg=$(echo "${times[signed]}" | med)
merged=$(grep -c '"outcome":"merged"' "$W/signed/pull.out" || true); ff=$(grep -c '"outcome":"fast-forward"' "$W/signed/pull.out" || true)
signed_heads=$(git --git-dir "$W/signed/try/.accord" log -1 --format=%G? refs/contracts/HT-$((100000 + C)) 2>/dev/null || true)
echo "$N contracts; A changed $C, B changed $C ($O the same); A pulls B's changes ($ff fast-forwards, $merged merges), $RUNS runs each, alternated"
echo ""
echo "| pull | median ms | runs (ms) |"
echo "|---|---|---|"
echo "| without an organisation (unsigned, as before) | $p |${times[plain]} |"
echo "| with an organisation (every received commit's signature and authority checked) | $sg |${times[signed]} |"
echo ""
echo "signed/unsigned: $(awk -v a="$sg" -v b="$p" 'BEGIN { printf "%.3f", a/b }')"
echo ""
mkdir -p "$W/cost"
"$BIN/accord-bench-gen" cost "$W/cost" 500
