#!/usr/bin/env bash
# The Countersign flow, scripted: an admin signs in two writers and an approver, who take a
# thread from draft to scheduled on a fresh workspace. Usage: scripts/demo.sh [path/to/countersign]
# Keys go to the OS keychain; scripts/run.sh runs this inside a private, headless one.
set -euo pipefail
# Every approver's and admin's key is sealed with a passphrase; the demo gives them all this one
# instead of prompting.
export COUNTERSIGN_PASSPHRASE="${COUNTERSIGN_PASSPHRASE:-demo passphrase}"
export COUNTERSIGN_CHANNEL="${COUNTERSIGN_CHANNEL:-dev}"
cs_bin="${1:-countersign}"
workspace="$(mktemp -d "${TMPDIR:-/tmp}/countersign-demo.XXXXXX")"
cs() { printf '\n$ countersign %s\n' "$*" >&2; "$cs_bin" --data-dir "$workspace" "$@"; }
id_of() { sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' | head -n 1; }

# The Sandbox account: a local X (x-sandbox) on loopback. No X account is needed.
sandbox_log="$workspace/sandbox.log"
"$cs_bin" sandbox serve --port 0 --handle acme_sandbox >"$sandbox_log" 2>&1 &
sandbox_pid=$!
trap 'kill "$sandbox_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$sandbox_log" ] && break; sleep 0.1; done
sandbox_url="$(head -n 1 "$sandbox_log")"

echo "Countersign demo: a fresh workspace in $workspace, posting to the Sandbox at $sandbox_url"
cs init --handle acme_sandbox --name "Acme (Sandbox)" --timezone Europe/Berlin
cs account connect --sandbox "$sandbox_url"
cs account status
cs member add "Ada Admin" --role admin
cs member add "Ana Lima" --role contributor --initials AL --as "Ada Admin"
cs member add "Chris Park" --role contributor --as "Ada Admin"
cs member add "Sam Okafor" --role approver --as "Ada Admin"
cs member list
cs member roster

printf '\n# Ana writes a two-part thread; X counts the emoji as 2 and the bare domain as 23.\n'
id=$(cs --json draft new --as "Ana Lima" --signature \
      --text "Our spring collection lands Monday 🌱" \
      --text "Preview it at acme.example.com" | id_of)
cs draft show "$id"
cs submit "$id" --as "Ana Lima"

printf '\n# Sam asks for a change; Ana edits and resubmits.\n'
cs request-changes "$id" --as "Sam Okafor" --comment "Say which Monday, please"
cs draft edit "$id" --as "Ana Lima" --part 1 --text "Our spring collection lands Monday 2 March 🌱"
cs submit "$id" --as "Ana Lima"
cs draft diff "$id" --as "Sam Okafor"

printf '\n# Sam cannot approve his own post (four-eyes):\n'
own=$(cs --json draft new --as "Sam Okafor" --text "A post by the approver" | id_of)
cs submit "$own" --as "Sam Okafor"
cs approve "$own" --as "Sam Okafor" || true

printf '\n# Sam approves Ana'"'"'s thread and schedules it for next year, 09:00 Berlin time.\n'
cs approve "$id" --as "Sam Okafor"
next_year=$(( $(date +%Y) + 1 ))
cs schedule "$id" --as "Sam Okafor" --at "$next_year-03-02 09:00"
cs draft show "$id"
cs comment "$id" --as "Chris Park" --text "Looks great"
cs check "$id"
cs audit verify
cs audit list --post "$id"
cs audit export "$workspace/audit.jsonl"
cs audit verify --file "$workspace/audit.jsonl"
# The publisher (next issue) sends scheduled posts to the Sandbox timeline; so far it is empty:
printf '\n$ curl %s/_sandbox/posts\n' "$sandbox_url" >&2
curl -fsS "$sandbox_url/_sandbox/posts" 2>/dev/null || python3 -c "import urllib.request,sys; print(urllib.request.urlopen(sys.argv[1]).read().decode())" "$sandbox_url/_sandbox/posts" || true
echo
# The sandbox stops with this demo: revoke its tokens and take them out of the keychain.
cs account disconnect
printf '\nThe workspace stays in %s; try: countersign --data-dir %s draft list\n' "$workspace" "$workspace"
