#!/usr/bin/env bash
# Hub load test (issue "the hub"), loopback only, bounded in count and time. One hub
# (`accord serve`, access log on); head office (contractAdmin) imports OFFICES × PER_OFFICE
# contracts, signed; REPS reps, each with their own ssh-keygen key, person in the organisation
# (salesRep of one office, REPS/OFFICES per office), token and replica cloned over HTTP. Then
# ROUNDS rounds: in each, every rep edits one random contract of its office (`accord set NUMBER
# buyer.phone=…`, or a tracking record, half each) and runs `accord sync`, PAR reps at a time
# (Benchmarks/hub_load.py). Stops starting work after CAP seconds and reports what it did.
# At the end: every acknowledged commit (its sync exited 0) is on the hub (merge-base
# --is-ancestor), no server error (no ' 500' in the hub's log, accord_hub_errors_total 0), and
# after a final sync pass every replica holds exactly the hub's heads of its office.
# Usage: Benchmarks/hub-load.sh   (env: REPS=50 ROUNDS=20 OFFICES=5 PER_OFFICE=20 PAR=8 CAP=600
#        W=/tmp/accord-hload ACCORD_SCRATCH=.build-rel SKIP_BUILD=1)
set -euo pipefail
REPS=${REPS:-50}; ROUNDS=${ROUNDS:-20}; OFFICES=${OFFICES:-5}; PER_OFFICE=${PER_OFFICE:-20}
PAR=${PAR:-8}; CAP=${CAP:-600}; W=${W:-/tmp/accord-hload}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCRATCH=${ACCORD_SCRATCH:-$ROOT/.build-rel}
[ -n "${SKIP_BUILD:-}" ] || swift build -c release --package-path "$ROOT" --scratch-path "$SCRATCH" --product accord >/dev/null 2>&1
A="$SCRATCH/release/accord"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null NO_COLOR=1
unset ACCORD_DIR ACCORD_TOKEN ACCORD_SIGNING_KEY ACCORD_ROLE ACCORD_OFFICE 2>/dev/null || true
HUBPID=""
cleanup() { [ -z "$HUBPID" ] || { kill "$HUBPID" 2>/dev/null; wait "$HUBPID" 2>/dev/null; } || true; }
trap cleanup EXIT
rm -rf "$W"; mkdir -p "$W/keys" "$W/reps"
t0=$(date +%s)

# The contracts: PER_OFFICE in each office, LD-<office>-<n>, drafts.
python3 - "$W/contracts.json" "$OFFICES" "$PER_OFFICE" <<'EOF'
import json, sys
out, offices, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
buyers = ["华东机械有限公司", "Nordic Steel AB", "成都天府物流有限公司", "Shenzhen Bright Optics Ltd"]
cs = []
for o in range(offices):
    for n in range(per):
        cs.append({"number": "LD-%d-%03d" % (o + 1, n + 1), "type": "sales", "status": "draft",
                   "office": "Office %d" % (o + 1), "owner": "Rep", "subject": "数控设备 %d-%d" % (o + 1, n + 1),
                   "seller": {"name": "本公司"}, "buyer": {"name": buyers[n % 4], "contact": "联系人", "phone": "021-1000"},
                   "currency": "CNY",
                   "lineItems": [{"id": "L1", "name": "数控车床", "quantity": "2", "unit": "台", "unitPrice": "60000.00", "lineAmount": "120000.00"}],
                   "totalAmount": "120000.00",
                   "paymentMilestones": [{"id": "M1", "kind": "advance", "percent": "30", "amount": "36000.00"},
                                         {"id": "M2", "kind": "balance", "percent": "70", "amount": "84000.00"}],
                   "breachLiability": "违约方赔偿损失。", "paymentMethod": "电汇", "deliveryMethod": "送货", "expiryDate": "2028-12-31"})
json.dump(cs, open(out, "w"), ensure_ascii=False, indent=1)
EOF

echo "== head office: organisation, $REPS reps in $OFFICES offices, $((OFFICES * PER_OFFICE)) contracts" >&2
ssh-keygen -q -t ed25519 -N '' -C admin@load.example -f "$W/keys/admin"
mkdir -p "$W/hq"
(cd "$W/hq" && "$A" init -q && "$A" config user.name 'Head Office' && "$A" config user.email admin@load.example \
   && "$A" config user.signingKey "$W/keys/admin" && "$A" config accord.fsyncObjectFiles false \
   && offs=() && for o in $(seq "$OFFICES"); do offs+=(--office "Office $o"); done \
   && "$A" org init --name 'Load Test' --role contractAdmin "${offs[@]}" >/dev/null)
: > "$W/reps.tsv"
for i in $(seq 0 $((REPS - 1))); do
  ssh-keygen -q -t ed25519 -N '' -C "rep$i@load.example" -f "$W/keys/rep$i"
  office="Office $(( i % OFFICES + 1 ))"
  (cd "$W/hq" && "$A" org person add "rep$i@load.example" --name "Rep $i" --key "$W/keys/rep$i.pub" --role salesRep --office "$office" >/dev/null 2>&1)
done
(cd "$W/hq" && "$A" import "$W/contracts.json" >/dev/null)
"$A" clone -q --bare "$W/hq" "$W/hub.git"
(cd "$W/hub.git" && "$A" serve token create admin@load.example > "$W/keys/admin.token" 2>/dev/null)
for i in $(seq 0 $((REPS - 1))); do
  tok=$(cd "$W/hub.git" && "$A" serve token create "rep$i@load.example" 2>/dev/null)
  printf 'rep%d\trep%d@load.example\tOffice %d\t%s\t%s\n' "$i" "$i" $(( i % OFFICES + 1 )) "$tok" "$W/reps/rep$i" >> "$W/reps.tsv"
done

"$A" serve --bind 127.0.0.1:0 "$W/hub.git" > "$W/hub.out" 2> "$W/hub.log" & HUBPID=$!
for _ in $(seq 300); do grep -q ' at http' "$W/hub.out" 2>/dev/null && break; sleep 0.05; done
HUB=$(sed -n 's/.* at //p' "$W/hub.out")
[ -n "$HUB" ] || { cat "$W/hub.log"; exit 1; }
echo "== hub at $HUB; cloning $REPS replicas over HTTP (4 at a time)" >&2
export A HUB W
# Each rep's replica: clone with their token, then their identity and key.
cut -f1,2,4,5 "$W/reps.tsv" | tr '\t' ' ' | xargs -P 4 -L 1 sh -c '
  ACCORD_TOKEN="$3" "$A" clone -q "$HUB/" "$4" && cd "$4" && "$A" config user.name "$1" && "$A" config user.email "$2" \
    && "$A" config user.signingKey "$W/keys/$1"' sh
echo "   set-up took $(( $(date +%s) - t0 )) s" >&2

python3 "$ROOT/Benchmarks/hub_load.py" --accord "$A" --hub "$HUB" --hub-dir "$W/hub.git" --reps "$W/reps.tsv" \
  --contracts "$W/contracts.json" --rounds "$ROUNDS" --par "$PAR" --cap "$CAP" --admin-token "$(cat "$W/keys/admin.token")" \
  --hub-log "$W/hub.log" --out "$W/results.json"
