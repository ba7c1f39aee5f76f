#!/usr/bin/env bash
# Store benchmark, side by side with stock git on the same data in the same run:
# write N small contract-like blobs, read them all back, pack them.
# Usage: Benchmarks/store-vs-git.sh [N=100000] [WORKDIR=/tmp/accord-bench]
# Builds accord in release mode first. Prints a Markdown table: wall seconds, peak RSS (MB).
set -euo pipefail
N=${1:-100000}
W=${2:-/tmp/accord-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
swift build -c release --package-path "$ROOT" >/dev/null
ACCORD="$ROOT/.build/release/accord"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
export GIT_AUTHOR_DATE="1795000000 +0800" GIT_COMMITTER_DATE="1795000000 +0800"
export ACCORD_AUTHOR_NAME=bench ACCORD_AUTHOR_EMAIL=bench@example.com ACCORD_COMMITTER_NAME=bench ACCORD_COMMITTER_EMAIL=bench@example.com
export ACCORD_AUTHOR_DATE="1795000000 +0800" ACCORD_COMMITTER_DATE="1795000000 +0800"
rm -rf "$W"; mkdir -p "$W"
python3 "$ROOT/Benchmarks/gen_contracts.py" "$N" "$W/files"
(cd "$W/files" && find . -name contract.json | sort | sed "s|^\./|$W/files/|") > "$W/paths"
sync

measure() { local name=$1; shift; /usr/bin/time -f "%e %M" -o "$W/$name.time" "$@"; }
secs() { cut -d' ' -f1 "$W/$1.time"; }
mb() { awk '{printf "%.0f", $2/1024}' "$W/$1.time"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) b = 0.01; printf "%.2f", a/b }'; }
row() { echo "| $1 | $(secs "$2") | $(secs "$3") | $(ratio "$(secs "$3")" "$(secs "$2")") | $(mb "$2") | $(mb "$3") |"; }

echo "| step | git s | accord s | accord/git | git MB | accord MB |"
echo "|---|---|---|---|---|---|"
for fsync in on off; do
  G="$W/git-$fsync.git"; A="$W/accord-$fsync.git"
  git init -q --bare --object-format=sha256 "$G"
  "$ACCORD" init -q --bare "$A"
  if [ $fsync = on ]; then
    gitfs=(-c core.fsync=loose-object -c core.fsyncMethod=fsync); ACCORD_DIR="$A" "$ACCORD" config accord.fsyncObjectFiles true
  else
    gitfs=(-c core.fsync=none); ACCORD_DIR="$A" "$ACCORD" config accord.fsyncObjectFiles false
  fi
  measure git-write-$fsync git --git-dir "$G" "${gitfs[@]}" hash-object -w --stdin-paths < "$W/paths" > "$W/git-ids-$fsync"
  measure accord-write-$fsync env ACCORD_DIR="$A" "$ACCORD" hash-object -w --stdin-paths < "$W/paths" > "$W/accord-ids-$fsync"
  cmp -s "$W/git-ids-$fsync" "$W/accord-ids-$fsync" || { echo "ids differ between git and accord" >&2; exit 1; }
  row "hash-object -w --stdin-paths, $N blobs, fsync $fsync" git-write-$fsync accord-write-$fsync
done

G="$W/git-on.git"; A="$W/accord-on.git"
measure git-read git --git-dir "$G" cat-file --batch < "$W/git-ids-on" > "$W/git-read.out"
measure accord-read env ACCORD_DIR="$A" "$ACCORD" cat-file --batch < "$W/git-ids-on" > "$W/accord-read.out"
cmp -s "$W/git-read.out" "$W/accord-read.out" || { echo "cat-file --batch output differs" >&2; exit 1; }
row "cat-file --batch, $N loose blobs" git-read accord-read

# git repack packs reachable objects only: give both repositories the same trees, commit and ref.
paste -d' ' "$W/git-ids-on" "$W/paths" | python3 "$ROOT/Benchmarks/mktrees.py" "$W/files" "$W/trees" > "$W/treepaths"
git --git-dir "$G" hash-object -t tree -w --stdin-paths < "$W/treepaths" > "$W/git-trees"
ACCORD_DIR="$A" "$ACCORD" hash-object -t tree -w --stdin-paths < "$W/treepaths" > "$W/accord-trees"
cmp -s "$W/git-trees" "$W/accord-trees" || { echo "tree ids differ" >&2; exit 1; }
root=$(tail -n1 "$W/git-trees")
gc=$(git --git-dir "$G" commit-tree -m "all contracts" "$root")
ac=$(ACCORD_DIR="$A" "$ACCORD" commit-tree -m "all contracts" "$root")
[ "$gc" = "$ac" ] || { echo "commit ids differ" >&2; exit 1; }
git --git-dir "$G" update-ref refs/heads/main "$gc"
ACCORD_DIR="$A" "$ACCORD" update-ref refs/heads/main "$ac"

measure git-pack git --git-dir "$G" repack -adfq
measure accord-pack env ACCORD_DIR="$A" "$ACCORD" gc
row "pack all (git repack -adf / accord gc), $(wc -l < "$W/git-trees") trees + $N blobs" git-pack accord-pack
gsize=$(cat "$G"/objects/pack/*.pack | wc -c); asize=$(cat "$A"/objects/pack/*.pack | wc -c)
echo "| pack size, bytes | $gsize | $asize | $(ratio "$asize" "$gsize") | | |"

measure git-read-packed git --git-dir "$G" cat-file --batch < "$W/git-ids-on" > "$W/git-read2.out"
measure accord-read-packed env ACCORD_DIR="$A" "$ACCORD" cat-file --batch < "$W/git-ids-on" > "$W/accord-read2.out"
cmp -s "$W/git-read2.out" "$W/accord-read2.out" || { echo "cat-file --batch output differs after packing" >&2; exit 1; }
row "cat-file --batch, $N packed blobs" git-read-packed accord-read-packed

git --git-dir "$A" fsck --strict --no-progress >/dev/null 2>&1 && echo "" && echo "git fsck --strict on accord's packed repository: clean"
echo ""
echo "machine: $(nproc) cores, $(git --version), $(swift --version 2>/dev/null | head -1)"
