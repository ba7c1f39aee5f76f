#!/usr/bin/env bash
# Hub benchmark (issue "the hub"): one repository of N contracts (accord-bench-gen, packed, then
# an organisation adopted: contractAdmin "admin", salesRep "bench" of the three offices), served
# twice at once on loopback: (a) by `accord serve`, (b) the same directory, read-only, by stock
# `git http-backend` behind nginx + fcgiwrap. Measured in the same run, A and B alternated (the
# order swapped every run), RUNS runs each, medians:
#   1. clone of all N contracts: `accord clone` (contractAdmin token: sees all) against
#      `git -c protocol.version=2 clone --mirror` from http-backend;
#   2. a sync with nothing new: `accord sync` in that clone (one sync done before, so the feed
#      position is saved) against `git fetch` in the mirror (which lists every ref);
#   3. a sync after C contracts changed on the hub (rep "bench" edits them in its own HTTP clone
#      with accord-bench-gen edit, signed, and pushes; the hub checks every commit): `accord sync`
#      against `git fetch`.
# Bytes: every byte either server sent is counted by a small TCP proxy (counting-proxy below, one
# per server; the sizes are taken on extra, untimed runs through the proxies); besides, the pack
# files the clients kept (`*.pack` sizes) and, for git, nginx's $bytes_sent.
# Usage: Benchmarks/hub-vs-git.sh   (env: N=10000 C=1000 RUNS=3 W=/tmp/accord-hbench
#        ACCORD_SCRATCH=.build-rel  SKIP_BUILD=1 to use the binaries as they are)
set -euo pipefail
N=${N:-10000}; C=${C:-1000}; RUNS=${RUNS:-3}; W=${W:-/tmp/accord-hbench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCRATCH=${ACCORD_SCRATCH:-$ROOT/.build-rel}
if [ -z "${SKIP_BUILD:-}" ]; then
  swift build -c release --package-path "$ROOT" --scratch-path "$SCRATCH" --product accord >/dev/null 2>&1
  swift build -c release --package-path "$ROOT" --scratch-path "$SCRATCH" --product accord-bench-gen >/dev/null 2>&1
fi
BIN="$SCRATCH/release"; A="$BIN/accord"
for tool in /usr/sbin/nginx /usr/sbin/fcgiwrap /usr/lib/git-core/git-http-backend curl ssh-keygen python3; do
  command -v "$tool" >/dev/null || { echo "hub-vs-git.sh: $tool is missing (apt-get install nginx fcgiwrap git curl openssh-client python3)" >&2; exit 2; }
done
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
unset ACCORD_DIR ACCORD_TOKEN ACCORD_SIGNING_KEY 2>/dev/null || true
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -f "$W.sock"; }
trap cleanup EXIT
rm -rf "$W"; mkdir -p "$W"
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
med() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
packs() { local s=0 f; for f in "$1"/objects/pack/*.pack; do [ -e "$f" ] && s=$((s + $(stat -c %s "$f"))); done; echo $s; }
loose() { find "$1/objects" -path '*/objects/??/*' -type f 2>/dev/null | wc -l; }

echo "== building the repository: $N contracts" >&2
t0=$(now)
"$BIN/accord-bench-gen" "$W/hub.git" "$N" 1 2>/dev/null
ACCORD_DIR="$W/hub.git" "$A" gc -q
ssh-keygen -q -t ed25519 -N '' -C admin@example.com -f "$W/admin_key"
ssh-keygen -q -t ed25519 -N '' -C bench@example.com -f "$W/bench_key"
(export ACCORD_DIR="$W/hub.git" ACCORD_SIGNING_KEY="$W/admin_key" ACCORD_AUTHOR_NAME=Admin ACCORD_AUTHOR_EMAIL=admin@example.com
 "$A" org init --name Bench --role contractAdmin >/dev/null
 "$A" org person add bench@example.com --name Bench --key "$W/bench_key.pub" --role salesRep \
   --office 华东办事处 --office 华南办事处 --office 'North Office' >> "$W/setup.log" 2>&1
 "$A" serve token create admin@example.com > "$W/admin.token" 2>> "$W/setup.log"
 "$A" serve token create bench@example.com > "$W/bench.token" 2>> "$W/setup.log") || { cat "$W/setup.log"; exit 1; }
ADMIN=$(cat "$W/admin.token"); BENCH=$(cat "$W/bench.token")
echo "   built in $(ms "$t0" "$(now)") ms; hub.git $(du -sb "$W/hub.git" | cut -f1) bytes, $(git --git-dir "$W/hub.git" for-each-ref | wc -l) refs" >&2

# (a) accord serve
"$A" serve --bind 127.0.0.1:0 -q "$W/hub.git" > "$W/hub.out" 2> "$W/hub.log" & PIDS+=($!)
for _ in $(seq 300); do grep -q ' at http' "$W/hub.out" 2>/dev/null && break; sleep 0.05; done
HUB=$(sed -n 's/.* at //p' "$W/hub.out"); HPORT=${HUB##*:}
[ -n "$HUB" ] || { cat "$W/hub.log"; exit 1; }
# (b) git http-backend behind nginx + fcgiwrap, serving the same directory (no receive-pack).
GPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$W/nginx"
asroot=""; [ "$(id -u)" = 0 ] && asroot="user root root;"
cat > "$W/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
$asroot
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log warn;
events { worker_connections 64; }
http {
  log_format bytes '\$request_method \$request_uri \$status \$bytes_sent \$request_length';
  access_log $W/nginx/access.log bytes;
  client_body_temp_path $W/nginx/body; fastcgi_temp_path $W/nginx/fastcgi; proxy_temp_path $W/nginx/proxy;
  uwsgi_temp_path $W/nginx/uwsgi; scgi_temp_path $W/nginx/scgi;
  client_max_body_size 0;
  server {
    listen 127.0.0.1:$GPORT;
    location / {
      fastcgi_pass unix:$W.sock;
      fastcgi_param SCRIPT_FILENAME /usr/lib/git-core/git-http-backend;
      fastcgi_param GIT_PROJECT_ROOT $W;
      fastcgi_param GIT_HTTP_EXPORT_ALL "";
      fastcgi_param PATH_INFO \$uri;
      fastcgi_param QUERY_STRING \$query_string;
      fastcgi_param REQUEST_METHOD \$request_method;
      fastcgi_param CONTENT_TYPE \$content_type;
      fastcgi_param CONTENT_LENGTH \$content_length;
      fastcgi_param GIT_PROTOCOL \$http_git_protocol;
      fastcgi_param REMOTE_ADDR \$remote_addr;
      fastcgi_param SERVER_PROTOCOL \$server_protocol;
      fastcgi_param HTTP_CONTENT_ENCODING \$http_content_encoding;
    }
  }
}
EOF
env -i PATH=/usr/bin:/bin HOME="$W/nginx" GIT_CONFIG_NOSYSTEM=1 /usr/sbin/fcgiwrap -s "unix:$W.sock" > "$W/nginx/fcgiwrap.log" 2>&1 & PIDS+=($!)
env -i PATH=/usr/bin:/bin HOME="$W/nginx" /usr/sbin/nginx -p "$W/nginx" -e "$W/nginx/error.log" -c "$W/nginx/nginx.conf" > "$W/nginx/nginx.out" 2>&1 & PIDS+=($!)
for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$GPORT/" && break; sleep 0.05; done
GIT="http://127.0.0.1:$GPORT/hub.git"

# A byte-counting TCP proxy: LISTEN_PORT TARGET_PORT LOG; appends "sent-by-client sent-by-server"
# for every connection when it closes.
cat > "$W/countproxy.py" <<'EOF'
import socket, sys, threading
lport, tport, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
def pipe(a, b, box, i):
    try:
        while True:
            d = a.recv(262144)
            if not d: break
            box[i] += len(d); b.sendall(d)
    except OSError: pass
    try: b.shutdown(socket.SHUT_WR)
    except OSError: pass
def serve(c):
    s = socket.create_connection(("127.0.0.1", tport)); box = [0, 0]
    t = threading.Thread(target=pipe, args=(s, c, box, 1)); t.start()
    pipe(c, s, box, 0); t.join(); c.close(); s.close()
    with lock, open(log, "a") as f: f.write("%d %d\n" % tuple(box))
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", lport)); l.listen(64)
while True:
    c, _ = l.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PH=$(freeport); python3 "$W/countproxy.py" "$PH" "$HPORT" "$W/proxy-hub.log" & PIDS+=($!)
PG=$(freeport); python3 "$W/countproxy.py" "$PG" "$GPORT" "$W/proxy-git.log" & PIDS+=($!)
sleep 0.5
# Bytes the server sent (and the client sent) during a command run through a proxy.
counted() { # LOG CMD...: runs CMD, prints "server-bytes client-bytes"
  local log=$1; shift; : > "$log"; "$@" >/dev/null 2>&1; sleep 0.3
  awk '{u+=$1; d+=$2} END {printf "%d %d\n", d, u}' "$log"
}
nginxbytes() { awk -v from="$1" 'NR > from {b+=$4} END {print b+0}' "$W/nginx/access.log"; }
nginxlines() { wc -l < "$W/nginx/access.log"; }
setid() { (cd "$1" && "$A" config user.name "$2" && "$A" config user.email "$3" && "$A" config user.signingKey "$4"); }

echo "== hub at $HUB, git http-backend at $GIT; $RUNS runs each, alternated" >&2
# 1. clone
declare -A T
for r in $(seq "$RUNS"); do
  order="accord git"; [ $((r % 2)) = 0 ] && order="git accord"
  for who in $order; do
    if [ "$who" = accord ]; then
      rm -rf "$W/ca"; sync; s=$(now)
      ACCORD_TOKEN=$ADMIN "$A" clone -q "$HUB/" "$W/ca"; e=$(now)
    else
      rm -rf "$W/gm"; sync; from=$(nginxlines); s=$(now)
      git -c protocol.version=2 clone -q --mirror "$GIT" "$W/gm"; e=$(now)
      GNGINX=$(nginxbytes "$from")
    fi
    T[clone_$who]="${T[clone_$who]:-} $(ms "$s" "$e")"
  done
  echo "   clone run $r: accord $(echo "${T[clone_accord]}" | awk '{print $NF}') ms, git $(echo "${T[clone_git]}" | awk '{print $NF}') ms" >&2
done
HPACK=$(packs "$W/ca/.accord"); GPACK=$(packs "$W/gm")
HREFS=$(git --git-dir "$W/ca/.accord" for-each-ref | wc -l); GREFS=$(git --git-dir "$W/gm" for-each-ref | wc -l)
read -r HCLONE_B HCLONE_UP < <(rm -rf "$W/cp"; counted "$W/proxy-hub.log" env ACCORD_TOKEN="$ADMIN" "$A" clone -q "http://127.0.0.1:$PH/" "$W/cp")
read -r GCLONE_B GCLONE_UP < <(rm -rf "$W/gp"; counted "$W/proxy-git.log" git -c protocol.version=2 clone -q --mirror "http://127.0.0.1:$PG/hub.git" "$W/gp")
rm -rf "$W/cp" "$W/gp"
# Stock git against the hub itself (once: the hub serves git's protocol to git).
rm -rf "$W/gh"; s=$(now)
git -c protocol.version=2 clone -q --mirror "http://admin%40example.com:$ADMIN@127.0.0.1:$HPORT/" "$W/gh"; e=$(now)
GITHUB_MS=$(ms "$s" "$e"); GITHUB_REFS=$(git --git-dir "$W/gh" for-each-ref | wc -l); rm -rf "$W/gh"

# 2. sync with nothing new
setid "$W/ca" Admin admin@example.com "$W/admin_key"
(cd "$W/ca" && ACCORD_TOKEN=$ADMIN "$A" sync -q)
git --git-dir "$W/gm" fetch -q
for r in $(seq $((RUNS * 2 + 1))); do
  order="accord git"; [ $((r % 2)) = 0 ] && order="git accord"
  for who in $order; do
    if [ "$who" = accord ]; then s=$(now); (cd "$W/ca" && ACCORD_TOKEN=$ADMIN "$A" sync -q); e=$(now)
    else from=$(nginxlines); s=$(now); git --git-dir "$W/gm" fetch -q; e=$(now); GNOOP_NGINX=$(nginxbytes "$from"); fi
    T[noop_$who]="${T[noop_$who]:-} $(ms "$s" "$e")"
  done
done
# Bytes of a no-op sync through the proxy: a copy of the clone whose origin is the proxy, synced
# once (its feed position), then counted. (Not `accord remote add/remove` on the clone: removing a
# remote with 10,000 tracking refs rewrote packed-refs once per ref, about 9 refs a second here.)
cp -a "$W/ca" "$W/cc"; git config --file "$W/cc/.accord/config" remote.origin.url "http://127.0.0.1:$PH"
(cd "$W/cc" && ACCORD_TOKEN=$ADMIN "$A" sync -q) >/dev/null 2>&1 || true
read -r HNOOP_B HNOOP_UP < <(cd "$W/cc" && counted "$W/proxy-hub.log" env ACCORD_TOKEN="$ADMIN" "$A" sync -q)
HNOOP_REQ=$(wc -l < "$W/proxy-hub.log")
rm -rf "$W/cc"
# git: the mirror's own fetch (refspec +refs/*:refs/*) by URL, through the proxy.
read -r GNOOP_B GNOOP_UP < <(counted "$W/proxy-git.log" git --git-dir "$W/gm" fetch -q "http://127.0.0.1:$PG/hub.git" '+refs/*:refs/*')

# 3. sync after C contracts changed on the hub
ACCORD_TOKEN=$BENCH "$A" clone -q "$HUB/" "$W/ed"
setid "$W/ed" Bench bench@example.com "$W/bench_key"
for r in $(seq "$RUNS"); do
  first=$(( (r - 1) * C )); [ $((first + C)) -gt "$N" ] && first=0
  BENCH_SIGNING_KEY="$W/bench_key" "$BIN/accord-bench-gen" edit "$W/ed/.accord" "$first" "$C" "r$r"
  s=$(now); (cd "$W/ed" && ACCORD_TOKEN=$BENCH "$A" push -q); e=$(now); T[push]="${T[push]:-} $(ms "$s" "$e")"
  order="accord git"; [ $((r % 2)) = 0 ] && order="git accord"
  for who in $order; do
    if [ "$who" = accord ]; then
      hb=$(packs "$W/ca/.accord"); sync; s=$(now); (cd "$W/ca" && ACCORD_TOKEN=$ADMIN "$A" sync -q); e=$(now)
      HCH_PACK=$(( $(packs "$W/ca/.accord") - hb ))
    else
      gb=$(packs "$W/gm"); from=$(nginxlines); sync; s=$(now); git --git-dir "$W/gm" -c fetch.unpackLimit=1 fetch -q; e=$(now)
      GCH_PACK=$(( $(packs "$W/gm") - gb )); GCH_NGINX=$(nginxbytes "$from")
    fi
    T[changed_$who]="${T[changed_$who]:-} $(ms "$s" "$e")"
  done
  echo "   changed run $r: accord sync $(echo "${T[changed_accord]}" | awk '{print $NF}') ms, git fetch $(echo "${T[changed_git]}" | awk '{print $NF}') ms" >&2
done
# Both sides now hold the hub's heads.
hh=$(git --git-dir "$W/hub.git" for-each-ref --format='%(objectname) %(refname)' refs/contracts/ | md5sum)
ah=$(git --git-dir "$W/ca/.accord" for-each-ref --format='%(objectname) %(refname)' refs/contracts/ | md5sum)
gh=$(git --git-dir "$W/gm" for-each-ref --format='%(objectname) %(refname)' refs/contracts/ | md5sum)
agree="yes"; [ "$hh" = "$ah" ] && [ "$hh" = "$gh" ] || agree="NO"
ERRS=$(grep -c ' 500' "$W/hub.log" || true)

row() { echo "| $1 | $(echo "${T[$2_accord]}" | med) ms |${T[$2_accord]} | $(echo "${T[$2_git]}" | med) ms |${T[$2_git]} | $(awk -v a="$(echo "${T[$2_accord]}" | med)" -v b="$(echo "${T[$2_git]}" | med)" 'BEGIN { printf "%.2f", a / b }') |"; }
echo ""
echo "$N contracts ($(git --git-dir "$W/hub.git" count-objects -v | awk '/size-pack/ {print $2}') KiB packed); accord serve vs git http-backend (nginx + fcgiwrap), same directory, loopback; medians, A/B alternated"
echo ""
echo "| step | accord (median) | accord runs | git (median) | git runs | accord/git |"
echo "|---|---|---|---|---|---|"
row "clone of all $N contracts (accord clone / git clone --mirror)" clone
row "sync, nothing new (accord sync / git fetch)" noop
row "sync after $C contracts changed on the hub (accord sync / git fetch)" changed
echo ""
echo "| bytes | accord | git | accord/git |"
echo "|---|---|---|---|"
echo "| clone: sent by the server (counting proxy) | $HCLONE_B | $GCLONE_B | $(awk -v a="$HCLONE_B" -v b="$GCLONE_B" 'BEGIN { printf "%.2f", a / b }') |"
echo "| clone: pack kept by the client (*.pack) | $HPACK | $GPACK | $(awk -v a="$HPACK" -v b="$GPACK" 'BEGIN { printf "%.2f", a / b }') |"
echo "| clone: nginx \$bytes_sent (git) | | $GNGINX | |"
echo "| sync, nothing new: sent by the server (proxy) | $HNOOP_B ($HNOOP_REQ connection(s)) | $GNOOP_B (nginx: $GNOOP_NGINX) | $(awk -v a="$HNOOP_B" -v b="$GNOOP_B" 'BEGIN { printf "%.4f", a / b }') |"
echo "| sync, nothing new: sent by the client (proxy) | $HNOOP_UP | $GNOOP_UP | |"
echo "| sync after $C changed: pack kept (last run) | $HCH_PACK | $GCH_PACK (nginx: $GCH_NGINX) | $(awk -v a="$HCH_PACK" -v b="$GCH_PACK" 'BEGIN { printf "%.2f", a / b }') |"
echo ""
echo "refs: accord clone $HREFS, git mirror $GREFS; stock git clone --mirror from the hub itself: $GITHUB_MS ms, $GITHUB_REFS refs"
echo "push of $C changed contracts to the hub (rep's replica, every commit checked by the hub): median $(echo "${T[push]}" | med) ms (${T[push]} )"
echo "after the runs the clone, the git mirror and the hub hold the same $(git --git-dir "$W/hub.git" for-each-ref refs/contracts/ | wc -l) contract heads: $agree; hub log lines with ' 500': $ERRS"
