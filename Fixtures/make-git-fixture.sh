#!/bin/sh
# Rebuilds Fixtures/git-sha256-repo (a bare SHA-256 repository written by git, made with git 2.39)
# and Fixtures/git-sha256-repo.expected (what git says is in it), so that tests can check Accord
# against git's own output without needing git installed.
#
# The repository holds a pack made by `git gc --aggressive` (with deltas, packed-refs, an annotated
# tag and a merge) and, after it, loose objects (more commits, a second annotated tag).
#
# Usage: sh Fixtures/make-git-fixture.sh   (from the package root)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/git-sha256-repo"
expected="$here/git-sha256-repo.expected"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export GIT_CONFIG_NOSYSTEM=1 HOME="$work" TZ=UTC LC_ALL=C
export GIT_AUTHOR_NAME='Fixture Author' GIT_AUTHOR_EMAIL='author@example.com'
export GIT_COMMITTER_NAME='Fixture Committer' GIT_COMMITTER_EMAIL='committer@example.com'
t=1700000000
tick() { t=$((t + 3600)); export GIT_AUTHOR_DATE="$t +0800" GIT_COMMITTER_DATE="$t +0800"; }

git init -q --template= --object-format=sha256 -b main "$work/w"
cd "$work/w"
git config gc.auto 0
git config core.quotepath false

# A contract-like text that changes a little each commit (so the aggressive pack has deltas).
body() { i=1; while [ $i -le 60 ]; do echo "clause $i: the buyer pays within $i days ($1)"; i=$((i + 1)); done; }
body v1 > contract.txt
mkdir -p 合同 docs
echo '甲方：示例公司' > 合同/甲方.txt
printf '#!/bin/sh\necho hi\n' > docs/run.sh && chmod +x docs/run.sh
ln -s contract.txt link
tick; git add -A; git commit -q -m '初始合同' -m 'First version of the contract.'
body v2 > contract.txt
tick; git commit -q -am 'Second revision'
git checkout -q -b side HEAD~1
echo '乙方：另一家公司' > 合同/乙方.txt
tick; git add -A; git commit -q -m '添加乙方'
git checkout -q main
tick; git merge -q --no-ff -m 'Merge branch side' side
tick; git tag -a -m 'Version 1 签署' v1
body v3 > contract.txt
tick; git commit -q -am 'Third revision'
git clone -q --bare --no-local . "$work/bare.git"
cd "$work/bare.git"
git config gc.auto 0
git gc -q --aggressive --prune=now
# Everything above is now in one pack; what follows stays loose.
cd "$work/w"
body v4 > contract.txt
echo 'notes' > docs/notes.md
tick; git add -A; git commit -q -m '第四版 (loose objects)'
tick; git tag -a -m 'Version 2' v2
git push -q "$work/bare.git" main v2
cd "$work/bare.git"
git config gc.auto 0
git remote remove origin 2>/dev/null || true
rm -rf hooks info/exclude description logs FETCH_HEAD 2>/dev/null || true

rm -rf "$out"
cp -R "$work/bare.git" "$out"
chmod -R u+w "$out"
{
  echo "# git-sha256-repo, written by $(git --version)"
  echo "# refs (git for-each-ref --format='%(objectname) %(refname)')"
  git -C "$out" for-each-ref --format='ref %(objectname) %(refname)'
  echo "head $(git -C "$out" symbolic-ref HEAD) $(git -C "$out" rev-parse HEAD)"
  echo "# git cat-file --batch-all-objects --batch-check, and where each object lives"
  for id in $(git -C "$out" cat-file --batch-all-objects --batch-check='%(objectname)'); do
    d=$(echo "$id" | cut -c1-2); f=$(echo "$id" | cut -c3-)
    if [ -f "$out/objects/$d/$f" ]; then where=loose; else where=packed; fi
    echo "object $(git -C "$out" cat-file --batch-check <<E
$id
E
) $where"
  done
  echo "# sha256 of git cat-file --batch-all-objects --batch"
  echo "batch-sha256 $(git -C "$out" cat-file --batch-all-objects --batch | sha256sum | cut -d' ' -f1)"
} > "$expected"
echo "wrote $out and $expected"
