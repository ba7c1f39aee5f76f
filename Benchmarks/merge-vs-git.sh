#!/usr/bin/env bash
# Merge benchmark: one contract whose two sides each made N commits since their base (edits of
# many fields, some of the same fields on both sides, clause lines, line items, records); time
# `accord merge` (reads both sides' writes from their histories, merges by registers, commits)
# against stock `git merge-tree --write-tree` of the same two commits in the same repository.
# Usage: [ACCORD=bin] Benchmarks/merge-vs-git.sh [N=200] [RUNS=5] [WORKDIR=/tmp/accord-mbench]
set -euo pipefail
N=${1:-200}; RUNS=${2:-5}; W=${3:-/tmp/accord-mbench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# ACCORD=/path/to/accord times that binary instead of building .build/release/accord.
if [ -z "${ACCORD:-}" ]; then swift build -c release --package-path "$ROOT" --product accord >/dev/null 2>&1; fi
A=${ACCORD:-"$ROOT/.build/release/accord"}
rm -rf "$W"; mkdir -p "$W"
ident() { (cd "$1" && "$A" config user.name "$2" && "$A" config user.email "$2@example.com" && "$A" config user.role salesRep && "$A" config user.office 华东); }
"$A" init -q "$W/r1"; ident "$W/r1" ann
cd "$W/r1"
"$A" new HT-1 --type sales subject=数控车床 seller.name=上海精工 buyer.name=华东机械 buyer.phone=0512-0000 \
  'lineItems=[{"id":"L1","name":"车床","quantity":"4","unit":"台","unitPrice":"30000.00"},{"id":"L2","name":"刀架","quantity":"10","unit":"套","unitPrice":"1200.00"}]' \
  totalAmount=132000.00 paymentMethod=电汇 \
  'paymentMilestones=[{"id":"M1","kind":"balance","percent":"100","amount":"132000.00","trigger":"验收合格后"}]' \
  deliveryMethod=送货上门 deliveryDeadline=2027-06-30 'breachLiability=第一条 赔偿损失。
第二条 逾期交货按日万分之五计。
第三条 争议协商解决。' expiryDate=2027-12-31
"$A" clone -q "$W/r1" "$W/r2"; ident "$W/r2" bo
edits() { # dir side n
  cd "$1"
  for i in $(seq 1 "$3"); do
    case $((i % 5)) in
      0) "$A" set HT-1 "buyer.phone=0$2-$i" ;;
      1) "$A" set HT-1 "supervisor=督办$2$i" ;;
      2) "$A" set HT-1 "buyer.contact=联系人$2$i" ;;
      3) "$A" record HT-1 tracking "customer=客户$2$i" >/dev/null ;;
      4) "$A" set HT-1 "projectManager=经理$2$i" ;;
    esac
  done
}
edits "$W/r1" 1 "$N"; edits "$W/r2" 2 "$N"
cd "$W/r1"; "$A" remote add r2 "$W/r2"; "$A" fetch -q r2
ours=$("$A" rev-parse refs/contracts/HT-1); theirs=$("$A" rev-parse refs/remotes/r2/contracts/HT-1)
ms() { echo $(( ($2 - $1) / 1000000 )); }
at=(); gt=()
for run in $(seq 1 "$RUNS"); do
  rm -rf "$W/copy"; cp -r "$W/r1" "$W/copy"; cd "$W/copy"
  s=$(date +%s%N); "$A" merge HT-1 r2/contracts/HT-1 >/dev/null 2>&1 || true; e=$(date +%s%N); at+=("$(ms "$s" "$e")")
  s=$(date +%s%N); git --git-dir "$W/r1/.accord" merge-tree --write-tree "$ours" "$theirs" >/dev/null 2>&1 || true; e=$(date +%s%N); gt+=("$(ms "$s" "$e")")
done
cd "$W/copy"; conflicts=$("$A" conflicts HT-1 --json | grep -o '"path":' | wc -l)
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "one contract, $N commits on each side since the base; $conflicts conflicts recorded"
echo ""
echo "| step | accord merge | git merge-tree --write-tree |"
echo "|---|---|---|"
echo "| merge, whole command (runs: ${at[*]} / ${gt[*]} ms) | $(median "${at[@]}") ms | $(median "${gt[@]}") ms |"
