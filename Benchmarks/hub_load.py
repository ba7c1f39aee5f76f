#!/usr/bin/env python3
"""The rounds and the checks of Benchmarks/hub-load.sh (which sets everything up).

Each round, every rep edits one random contract of its office (`accord set NUMBER
buyer.phone=...` or `accord record NUMBER tracking ...`, half each), reads the commit id the
edit made, and runs `accord sync -q`; PAR reps run at once (a thread pool of subprocesses); a
round ends when all its reps are done. No new work starts after CAP seconds. Then a final
sync pass (sequential, repeated until a pass moves nothing on the hub, at most 4), and the checks:
every acknowledged commit on the hub, no server error, every replica converged."""
import argparse, json, random, subprocess, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor

ap = argparse.ArgumentParser()
for a in ["accord", "hub", "hub-dir", "reps", "contracts", "admin-token", "hub-log", "out"]:
    ap.add_argument("--" + a, required=True)
ap.add_argument("--rounds", type=int, default=20)
ap.add_argument("--par", type=int, default=8)
ap.add_argument("--cap", type=float, default=600)
ap.add_argument("--seed", type=int, default=20261203)
o = ap.parse_args()
rng = random.Random(o.seed)

reps = []
for line in open(o.reps, encoding="utf-8"):
    name, email, office, token, path = line.rstrip("\n").split("\t")
    reps.append(dict(name=name, email=email, office=office, token=token, dir=path))
contracts = json.load(open(o.contracts, encoding="utf-8"))
by_office = {}
buyer = {}
for c in contracts:
    by_office.setdefault(c["office"], []).append(c["number"])
    buyer[c["number"]] = c["buyer"]["name"]
office_of = {c["number"]: c["office"] for c in contracts}

def run(args, rep, **kw):
    env = {"PATH": "/usr/bin:/bin", "HOME": rep["dir"], "NO_COLOR": "1", "ACCORD_TOKEN": rep["token"],
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"}
    return subprocess.run(args, cwd=rep["dir"], env=env, capture_output=True, text=True, **kw)

def head(gitdir, number):
    r = subprocess.run(["git", "--git-dir", gitdir, "rev-parse", "-q", "--verify", "refs/contracts/" + number],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None

def heads(gitdir):
    r = subprocess.run(["git", "--git-dir", gitdir, "for-each-ref", "--format=%(objectname) %(refname)", "refs/contracts/"],
                       capture_output=True, text=True, check=True)
    return {l.split()[1][len("refs/contracts/"):]: l.split()[0] for l in r.stdout.splitlines()}

def one(rep, rnd):
    """One rep's turn in one round: edit, then sync. Returns a result dict."""
    number = rng.choice(by_office[rep["office"]])
    kind = rng.choice(["set", "record"])
    if kind == "set":
        args = [o.accord, "set", number, "buyer.phone=139-%02d-%s" % (rnd, rep["name"][3:])]
    else:
        args = [o.accord, "record", number, "tracking", "customer=" + buyer[number],
                "coordinationContent=round %d, %s" % (rnd, rep["name"])]
    res = dict(rep=rep["name"], round=rnd, number=number, kind=kind)
    e = run(args, rep)
    res["edit_rc"] = e.returncode
    if e.returncode != 0:
        res["edit_err"] = (e.stderr or e.stdout).strip()[-300:]
        res["commit"] = None
    else:
        res["commit"] = head(rep["dir"] + "/.accord", number)
    t = time.monotonic()
    s = run([o.accord, "sync", "-q"], rep)
    res["sync_s"] = time.monotonic() - t
    res["sync_rc"] = s.returncode
    if s.returncode != 0:
        res["sync_err"] = (s.stderr or s.stdout).strip()[-400:]
    return res

results, skipped = [], 0
start = time.monotonic()
rounds_done = 0
for rnd in range(1, o.rounds + 1):
    if time.monotonic() - start > o.cap:
        skipped += (o.rounds - rnd + 1) * len(reps)
        break
    order = reps[:]
    rng.shuffle(order)
    def task(rep):
        if time.monotonic() - start > o.cap:
            return None
        return one(rep, rnd)
    with ThreadPoolExecutor(max_workers=o.par) as pool:
        got = list(pool.map(task, order))
    skipped += sum(1 for g in got if g is None)
    results += [g for g in got if g is not None]
    rounds_done = rnd
    n = len(results)
    print("round %d: %d turns so far, %.0f s, sync rc 0/1/other: %d/%d/%d" % (
        rnd, n, time.monotonic() - start, sum(r["sync_rc"] == 0 for r in results),
        sum(r["sync_rc"] == 1 for r in results), sum(r["sync_rc"] not in (0, 1) for r in results)), file=sys.stderr)
elapsed = time.monotonic() - start

# Final passes: every rep syncs, one after the other, until a pass leaves the hub as it was.
final = []
for p in range(1, 5):
    before = heads(o.hub_dir)
    rcs = [run([o.accord, "sync", "-q"], rep).returncode for rep in reps]
    final.append(rcs)
    if heads(o.hub_dir) == before and all(rc == 0 for rc in rcs):
        break

# Checks.
hub = heads(o.hub_dir)
def on_hub(c, number):
    if c is None or number not in hub:
        return False
    return subprocess.run(["git", "--git-dir", o.hub_dir, "merge-base", "--is-ancestor", c, hub[number]]).returncode == 0
acked = [r for r in results if r["commit"] and r["sync_rc"] == 0]
acked_missing = [r for r in acked if not on_hub(r["commit"], r["number"])]
conflicted = [r for r in results if r["commit"] and r["sync_rc"] == 1]
conflicted_missing = [r for r in conflicted if not on_hub(r["commit"], r["number"])]
failed = [r for r in results if r["sync_rc"] not in (0, 1)]
failed_missing = [r for r in failed if r["commit"] and not on_hub(r["commit"], r["number"])]
edit_failed = [r for r in results if r["edit_rc"] != 0]
not_converged = []
for rep in reps:
    want = {n: h for n, h in hub.items() if office_of.get(n) == rep["office"]}
    if heads(rep["dir"] + "/.accord") != want:
        not_converged.append(rep["name"])
log = open(o.hub_log, encoding="utf-8", errors="replace").read()
log_500 = sum(1 for l in log.splitlines() if " 500" in l)
requests_logged = sum(1 for l in log.splitlines() if " 200" in l)
try:
    req = urllib.request.Request(o.hub + "/metrics", headers={"Authorization": "Bearer " + o.admin_token})
    metrics = urllib.request.urlopen(req, timeout=10).read().decode()
except Exception as e:  # report, do not hide
    metrics = "unavailable: %s" % e
def metric(name):
    for l in metrics.splitlines():
        if l.startswith(name + " ") or l.startswith(name + "{"):
            return l.split()[-1]
    return "absent"

lat = sorted(r["sync_s"] for r in results)
lat0 = sorted(r["sync_s"] for r in results if r["sync_rc"] == 0)
def pct(xs, p):
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000 if xs else float("nan")
summary = dict(reps=len(reps), offices=len(by_office), contracts=len(contracts), rounds=o.rounds, rounds_done=rounds_done,
               par=o.par, cap_s=o.cap, turns=len(results), skipped=skipped, elapsed_s=round(elapsed, 1),
               syncs_per_s=round(len(results) / elapsed, 2) if elapsed else 0,
               sync_p50_ms=round(pct(lat, 50)), sync_p99_ms=round(pct(lat, 99)), sync_max_ms=round(lat[-1] * 1000) if lat else 0,
               sync_ok_p50_ms=round(pct(lat0, 50)), sync_ok_p99_ms=round(pct(lat0, 99)),
               sync_rc0=sum(r["sync_rc"] == 0 for r in results), sync_rc1=sum(r["sync_rc"] == 1 for r in results),
               sync_failed=len(failed), failed_missing_after_final=len(failed_missing), edits_failed=len(edit_failed),
               acknowledged=len(acked), acknowledged_missing_on_hub=len(acked_missing),
               conflicted_commits=len(conflicted), conflicted_missing_on_hub=len(conflicted_missing),
               final_passes=[{"rc0": sum(x == 0 for x in f), "rc1": sum(x == 1 for x in f), "other": sum(x not in (0, 1) for x in f)} for f in final],
               replicas_not_converged=not_converged, hub_log_500=log_500, hub_log_200=requests_logged,
               errors_total=metric("accord_hub_errors_total"), requests_total=metric("accord_hub_requests_total"),
               push_refs_accepted=metric("accord_hub_push_refs_accepted_total"), push_refs_refused=metric("accord_hub_push_refs_refused_total"))
json.dump(dict(summary=summary, results=results), open(o.out, "w"), ensure_ascii=False, indent=1)

print()
print("%d reps (%d offices), %d contracts, %d of %d rounds, %d at a time, cap %d s; %d turns (edit + sync), %d not started" % (
    len(reps), len(by_office), len(contracts), rounds_done, o.rounds, o.par, o.cap, len(results), skipped))
print()
print("| measure | value |")
print("|---|---|")
for k, label in [("elapsed_s", "rounds phase, wall s"), ("syncs_per_s", "throughput, syncs (turns) per s"),
                 ("sync_p50_ms", "sync latency p50, ms (all)"), ("sync_p99_ms", "sync latency p99, ms (all)"),
                 ("sync_max_ms", "sync latency max, ms"), ("sync_ok_p50_ms", "sync latency p50, ms (exit 0)"),
                 ("sync_ok_p99_ms", "sync latency p99, ms (exit 0)"), ("sync_rc0", "syncs exit 0"),
                 ("sync_rc1", "syncs exit 1 (a merge left conflicts: data)"), ("sync_failed", "syncs failed (other exit)"),
                 ("failed_missing_after_final", "commits of failed syncs missing on the hub after the final passes"),
                 ("edits_failed", "edits refused"), ("acknowledged", "acknowledged commits (sync exit 0)"),
                 ("acknowledged_missing_on_hub", "acknowledged commits missing on the hub"),
                 ("conflicted_commits", "commits whose sync exited 1"), ("conflicted_missing_on_hub", "of those, missing on the hub"),
                 ("final_passes", "final sync passes (exit codes)"), ("replicas_not_converged", "replicas not converged"),
                 ("hub_log_500", "hub log lines with ' 500'"), ("hub_log_200", "hub log lines with ' 200'"),
                 ("errors_total", "accord_hub_errors_total"), ("requests_total", "accord_hub_requests_total"),
                 ("push_refs_accepted", "accord_hub_push_refs_accepted_total"), ("push_refs_refused", "accord_hub_push_refs_refused_total")]:
    v = summary[k]
    print("| %s | %s |" % (label, v if not isinstance(v, list) else (", ".join(map(str, v)) or "none")))
for title, rows, key in [("sync failures", failed, "sync_err"), ("edits refused", edit_failed, "edit_err"), ("exit 1 syncs", [r for r in results if r["sync_rc"] == 1], "sync_err")]:
    if rows:
        print("\n%s (first 3 of %d):" % (title, len(rows)))
        for r in rows[:3]:
            print("  %s round %d %s %s rc=%s: %s" % (r["rep"], r["round"], r["kind"], r["number"], r.get("sync_rc"), r.get(key, "").replace("\n", " | ")))
ok = not acked_missing and not failed and not not_converged and log_500 == 0 and summary["errors_total"] in ("0", "0.0")
print("\nresult:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
