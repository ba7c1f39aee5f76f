#!/usr/bin/env bash
# Sync benchmark: N contracts; two replicas each change C of them (O of those the same contracts);
# replica A pulls B's changes (fetch + field-level merge). Beside it, on the same data: git fetch
# of the same refs, bytes of pack moved compared.
# Usage: Benchmarks/sync-vs-git.sh [N=10000] [C=1000] [O=100] [WORKDIR=/tmp/accord-sbench]
set -euo pipefail
N=${1:-10000}; C=${2:-1000}; O=${3:-100}; W=${4:-/tmp/accord-sbench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
swift build -c release --package-path "$ROOT" >/dev/null 2>&1
BIN="$ROOT/.build/release"
rm -rf "$W"; mkdir -p "$W"
"$BIN/accord-bench-gen" "$W/hub.git" "$N" 1 2>/dev/null
ACCORD_DIR="$W/hub.git" "$BIN/accord" gc -q
id() { (cd "$1" && "$BIN/accord" config user.name "Bench $2" && "$BIN/accord" config user.email b@x && "$BIN/accord" config user.role salesRep && "$BIN/accord" config user.office X); }
"$BIN/accord" clone -q "$W/hub.git" "$W/a"; id "$W/a" a
"$BIN/accord" clone -q "$W/hub.git" "$W/b"; id "$W/b" b
# A changes contracts [0, C); B changes [C-O, 2C-O): O contracts changed by both.
"$BIN/accord-bench-gen" edit "$W/a/.accord" 0 "$C" a
"$BIN/accord-bench-gen" edit "$W/b/.accord" $((C - O)) "$C" b
(cd "$W/b" && "$BIN/accord" push -q)
# git, same data: a copy of A's repository fetching from the hub with stock git.
cp -r "$W/a/.accord" "$W/git-a.git"
before=$(cat "$W/a/.accord/objects/pack/"*.pack | wc -c)
s=$(date +%s%N); (cd "$W/a" && "$BIN/accord" pull --json > "$W/pull.out"); e=$(date +%s%N)
after=$(cat "$W/a/.accord/objects/pack/"*.pack | wc -c)
merged=$(grep -c '"outcome":"merged"' "$W/pull.out" || true); ff=$(grep -c '"outcome":"fast-forward"' "$W/pull.out" || true)
gbefore=$(cat "$W/git-a.git/objects/pack/"*.pack | wc -c)
gs=$(date +%s%N); git --git-dir "$W/git-a.git" -c fetch.unpackLimit=1 fetch -q "$W/hub.git" "+refs/contracts/*:refs/remotes/hub/contracts/*"; ge=$(date +%s%N)
gafter=$(cat "$W/git-a.git/objects/pack/"*.pack | wc -c)
echo "$N contracts; A changed $C, B changed $C ($O the same); A pulls B's changes from the hub"
echo ""
echo "| step | accord | git |"
echo "|---|---|---|"
echo "| fetch + merge (accord pull) vs git fetch alone | $(( (e - s) / 1000000 )) ms ($ff fast-forwards, $merged merges) | $(( (ge - gs) / 1000000 )) ms |"
echo "| bytes moved (pack received) | $((after - before)) | $((gafter - gbefore)) |"
echo ""
echo "accord/git bytes: $(awk -v a=$((after - before)) -v b=$((gafter - gbefore)) 'BEGIN { printf "%.2f", a/b }')"
