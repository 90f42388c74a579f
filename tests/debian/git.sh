# git on Mica: init a repository, commit twice, and read history back. Dates and names are fixed,
# so the commit hashes are the same everywhere.
set -e
cd "${TMPDIR:-/tmp}"
export HOME="$PWD" GIT_CONFIG_NOSYSTEM=1 GIT_PAGER=cat
export GIT_AUTHOR_NAME=Mica GIT_AUTHOR_EMAIL=mica@example.org GIT_COMMITTER_NAME=Mica GIT_COMMITTER_EMAIL=mica@example.org
export GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
git init -q -b main repo
cd repo
echo hello > a.txt
printf 'one\ntwo\n' > b.txt
git add a.txt b.txt
git commit -q -m "first commit"
echo three >> b.txt
git commit -q -a -m "second commit"
git log --format='%H %s'
git show --stat --format=%s HEAD
git cat-file -p HEAD:b.txt
git status --short --branch
