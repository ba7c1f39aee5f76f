#!/usr/bin/env bash
# Trust benchmark (issue "Authority you can verify"): the same sync as sync-vs-git.sh, twice on
# the same data: once in repositories without an organisation (unsigned commits, as before) and
# once after head office adopted one (every commit signed; on pull every received commit's
# signature, signer, role, office and records checked). Then the cost of one signed commit.
# Usage: Benchmarks/trust-vs-unsigned.sh [N=10000] [C=1000] [O=100] [RUNS=7] [WORKDIR=/tmp/accord-tbench]
# ACCORD_SCRATCH: a SwiftPM scratch path for the release build (default .build).
set -euo pipefail
N=${1:-10000}; C=${2:-1000}; O=${3:-100}; RUNS=${4:-7}; W=${5:-/tmp/accord-tbench}
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

# Each run pulls into a fresh copy of A (the same starting point), the two modes alternated;
# wall and user+system seconds from /usr/bin/time; the ratio is taken pair by pair.
declare -A wall cpu
ratios=""
for k in $(seq "$RUNS"); do
  for mode in plain signed; do
    d="$W/$mode"; rm -rf "$d/try"; cp -a "$d/a" "$d/try"; sync
    (cd "$d/try" && /usr/bin/time -f "%e %U %S" -o "$W/time.$mode" "$A" pull --json > "$d/pull.out")
    read -r e u sy < "$W/time.$mode"
    wall[$mode]="${wall[$mode]:-} $e"; cpu[$mode]="${cpu[$mode]:-} $(awk -v a="$u" -v b="$sy" 'BEGIN { printf "%.2f", a + b }')"
  done
  ratios="$ratios $(awk -v a="$(echo "${wall[signed]}" | awk '{print $NF}')" -v b="$(echo "${wall[plain]}" | awk '{print $NF}')" 'BEGIN { printf "%.3f", a / b }')"
done
med() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
merged=$(grep -c '"outcome":"merged"' "$W/signed/pull.out" || true); ff=$(grep -c '"outcome":"fast-forward"' "$W/signed/pull.out" || true)
echo "$N contracts; A changed $C, B changed $C ($O the same); A pulls B's changes ($ff fast-forwards, $merged merges), $RUNS runs each, alternated"
echo ""
echo "| pull | median wall s | median cpu s | runs (wall s) |"
echo "|---|---|---|---|"
echo "| without an organisation (unsigned, as before) | $(echo "${wall[plain]}" | med) | $(echo "${cpu[plain]}" | med) |${wall[plain]} |"
echo "| with an organisation (every received commit's signature and authority checked) | $(echo "${wall[signed]}" | med) | $(echo "${cpu[signed]}" | med) |${wall[signed]} |"
echo ""
echo "signed/unsigned wall, median of the pairs: $(echo "$ratios" | med) (pairs:$ratios)"
echo ""
mkdir -p "$W/cost"
"$BIN/accord-bench-gen" cost "$W/cost" 500
