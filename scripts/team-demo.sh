#!/usr/bin/env bash
# Team mode on one machine, with no account and no server of your own: a throwaway PostgreSQL
# in a temp folder, and two Countersign windows, each a "laptop" of its own (its own data
# folder, its own private keyring and session bus), both on the Sandbox account that window A
# runs. Called by `bash scripts/run.sh --team` (which installs and builds what it needs).
# Usage: scripts/team-demo.sh APP_BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
app="$1"

bindir="$(pg_config --bindir 2>/dev/null || true)"
if [ ! -x "$bindir/initdb" ]; then
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
fi
[ -x "$bindir/initdb" ] || { echo "PostgreSQL's server binaries are missing (apt: postgresql)" >&2; exit 1; }

base="$(mktemp -d "${TMPDIR:-/tmp}/countersign-team.XXXXXX")"
chmod 755 "$base"
as_pg=()
if [ "$(id -u)" = 0 ]; then
  # initdb refuses root: the cluster runs as the postgres user.
  as_pg=(runuser -u postgres --)
fi
pgdir="$base/pg"
mkdir -p "$pgdir"
super_pw="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
op_pw="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$super_pw" >"$pgdir/pw"
chmod 600 "$pgdir/pw"
[ ${#as_pg[@]} -gt 0 ] && chown -R postgres: "$pgdir"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$pgdir/data" stop -m fast >/dev/null 2>&1 || true
  rm -rf "$base"
}
trap cleanup EXIT INT TERM

"${as_pg[@]}" "$bindir/initdb" -D "$pgdir/data" -A scram-sha-256 -U postgres \
  --pwfile="$pgdir/pw" -E UTF8 --locale=C --no-instructions >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
  -o "-p $port -c listen_addresses=127.0.0.1 -k $pgdir" start >/dev/null
PGPASSWORD="$super_pw" psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -q \
  -c "CREATE ROLE countersign_op LOGIN CREATEROLE PASSWORD '$op_pw'" \
  -c "CREATE DATABASE demo OWNER countersign_op"

cat <<EOF

Countersign team demo: a throwaway PostgreSQL on 127.0.0.1:$port, two windows.
  Window A: start as the admin, then in Team & account, Share this workspace:
      server             postgres://countersign_op@127.0.0.1:$port/demo
      operator password  $op_pw
    then invite a member and copy their invite.
  Window B: Join my team, paste the invite; read the fingerprint out to window A, which admits it.
Everything is removed when you close this script (Ctrl-C).

EOF

mkdir -p "$base/a" "$base/b"
run_laptop() {
  COUNTERSIGN_DATA_DIR="$1" bash scripts/with-keychain.sh "$app" >"$1.log" 2>&1
}
run_laptop "$base/a" & a_pid=$!
sleep 2
run_laptop "$base/b" & b_pid=$!
wait "$a_pid" "$b_pid" || true
