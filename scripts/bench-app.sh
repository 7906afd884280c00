#!/usr/bin/env bash
# The desktop app's figures, on the release build:
#   - cold start to the first interactive screen, on a workspace with 100,000 posted posts;
#   - idle memory of the app process, and of the app plus its WebKit processes, beside the
#     same figures for an empty Tauri window (examples/webview-floor.rs);
#   - the same 10 s after the window is closed the way a person closes it (the app keeps
#     publishing in the tray), and how long opening it again takes;
#   - the size of the release binary and of the .deb.
# Targets: start p90 < 1 s, app RSS < 60 MB, app + WebKit < 250 MB, .deb < 10 MB; window open:
# <= 25 MB app RSS and <= 40 MB PSS of all processes over the empty window; window closed:
# every Countersign process together < 60 MB RSS (also after many closes and opens), opening
# again < 1 s to interactive.
#
#   bash scripts/bench-app.sh            build (release + .deb), seed, measure
#   BENCH_RUNS=9 bash scripts/bench-app.sh          9 starts (p50/p90/max); 0 skips the starts
#   BENCH_CYCLES=20 bash scripts/bench-app.sh        close and open the window 20 times, printing
#                                                    the closed figures after each close
#   BENCH_SMAPS_DIR=DIR ...                          keep the app's smaps after each close, to compare
#   BENCH_DROP_CACHES=1 bash scripts/bench-app.sh     also empty the page cache before each start
#
# It runs headless: a virtual display (Xvfb) and a private, headless keyring, like the tests.
# The .deb is built with the Tauri CLI from ui/node_modules (@tauri-apps/cli); without it,
# `cargo install tauri-cli --version '^2' --locked` is used. Tests never need either.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
target="$(countersign_target_dir)"
# BENCH_APP (with BENCH_SELECTOR) times another binary's start, e.g. the empty window's.
app="${BENCH_APP:-$target/release/countersign-app}"
seeder="$target/release/examples/seed-history"
floor="$target/release/examples/webview-floor"
posts="${BENCH_POSTS:-100000}"
runs="${BENCH_RUNS:-3}"
cycles="${BENCH_CYCLES:-1}"

if [ "${1:-}" != "--measure" ]; then
  install_packages "${COUNTERSIGN_APP_PACKAGES[@]}" "${COUNTERSIGN_E2E_PACKAGES[@]}"
  setup_ui
  setup_tauri_driver
  build_ui

  echo "== release build and .deb (tauri build --bundles deb)"
  t0=$(date +%s)
  if [ -x ui/node_modules/.bin/tauri ]; then
    ui/node_modules/.bin/tauri build --bundles deb
  else
    cargo tauri --version >/dev/null 2>&1 || cargo install tauri-cli --version '^2' --locked
    cargo tauri build --bundles deb
  fi
  echo "   took $(( $(date +%s) - t0 )) s"
  # The seeder and the empty window share the release build's dependencies (same features, so nothing rebuilds).
  cargo build --locked --release -p countersign-app --example seed-history \
    --example webview-floor --features tauri/custom-protocol

  exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
    bash scripts/with-keychain.sh bash scripts/bench-app.sh --measure
fi

# --measure: inside the virtual display and the private keyring.
work="$(mktemp -d "${TMPDIR:-/tmp}/countersign-bench.XXXXXX")"
driver_pid=""
app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null
  [ -n "$driver_pid" ] && kill -KILL -- "-$driver_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
export COUNTERSIGN_CHANNEL=test COUNTERSIGN_PASSPHRASE="bench-$$-$RANDOM"
export COUNTERSIGN_DATA_DIR="$work/workspace"
export XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"

echo "== seeding $posts posted posts"
"$seeder" "$COUNTERSIGN_DATA_DIR" "$posts"
unset COUNTERSIGN_PASSPHRASE
db_mb=$(du -sm "$COUNTERSIGN_DATA_DIR" | cut -f1)

# Each run starts a fresh app process. With BENCH_DROP_CACHES=1 (and root) the page cache is
# dropped first, so the libraries come from disk too; that slows everything else on the
# machine for a while, so it is not the default.
drop_caches() {
  if [ "${BENCH_DROP_CACHES:-0}" = 1 ] && sync && { echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null; then
    echo dropped
  else
    echo warm
  fi
}

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
tauri_driver="$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")"

# A fresh tauri-driver per run, in its own process group: the app keeps running in the tray instead of
# quitting when the session closes, and a second instance would only wake the first one, so
# each run ends by stopping the whole group (driver, WebKitWebDriver, app, WebKit processes).
# When the app process in process group $1 started, in ms since the epoch: now minus its age
# (/proc/uptime minus its start tick; 10 ms resolution).
started_ms_of_app_in_group() {
  local group=$1 p stat now uptime ticks ms comm want
  want=$(basename "$app" | cut -c1-15)
  ticks=$(getconf CLK_TCK)
  for p in /proc/[0-9]*; do
    read -r comm <"$p/comm" 2>/dev/null || continue
    [ "$comm" = "$want" ] || continue
    stat=$(cat "$p/stat" 2>/dev/null) || continue
    now=$(date +%s%3N); read -r uptime _ </proc/uptime
    # After "pid (comm) ": state ppid pgrp ..., with the start tick the 20th field.
    ms=$(awk -v g="$group" -v n="$now" -v u="$uptime" -v t="$ticks" '{
      sub(/^.*\) /, ""); if ($3 == g) printf "%.0f\n", n - (u - $20 / t) * 1000 }' <<<"$stat")
    if [ -n "$ms" ]; then echo "$ms"; return 0; fi
  done
}

echo "== cold start to the first interactive screen ($runs runs, $posts posts)"
starts=()
own_starts=()
for i in $(seq "$runs"); do
  port=$(free_port); native=$(free_port)
  cache=$(drop_caches)
  logged_before=$(wc -l <"$work/driver.log" 2>/dev/null || echo 0)
  # The app's own milestones (COUNTERSIGN_LOG=info) land in the driver's log with its output.
  COUNTERSIGN_LOG=info setsid "$tauri_driver" --port "$port" --native-port "$native" >>"$work/driver.log" 2>&1 &
  driver_pid=$!
  # tauri-driver listens at once, WebKitWebDriver behind it a moment later: wait for both.
  for p in "$port" "$native"; do
    for _ in $(seq 300); do
      (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break
      sleep 0.1
    done
  done
  node tests/e2e/bench-start.mjs "http://127.0.0.1:$port" "$app" ${BENCH_SELECTOR:+"$BENCH_SELECTOR"} \
    >"$work/run.json" &
  client=$!
  # While the client waits, note when the app process started (it runs in the driver's group).
  app_started=""; own=""; split=""
  while kill -0 "$client" 2>/dev/null; do
    [ -z "$app_started" ] && app_started=$(started_ms_of_app_in_group "$driver_pid")
    sleep 0.05
  done
  # A scan of /proc can outlast a quick start: look once more (the app is still running).
  [ -z "$app_started" ] && app_started=$(started_ms_of_app_in_group "$driver_pid")
  if ! wait "$client"; then
    echo "bench-app: run $i failed; driver log:" >&2; tail -n 20 "$work/driver.log" >&2; exit 1
  fi
  line=$(cat "$work/run.json")
  kill -TERM -- "-$driver_pid" 2>/dev/null; wait "$driver_pid" 2>/dev/null || true
  sleep 0.5; kill -KILL -- "-$driver_pid" 2>/dev/null || true
  # Each start is measured on a quiet machine: the last run's processes are gone first.
  for _ in $(seq 50); do kill -0 -- "-$driver_pid" 2>/dev/null || break; sleep 0.1; done
  driver_pid=""; sleep 1
  ms=$(node -e 'const r=JSON.parse(process.argv[1]);console.log(r.interactive_ms)' "$line")
  starts+=("$ms")
  if [ -n "$app_started" ]; then
    own=$(node -e 'const r=JSON.parse(process.argv[1]);console.log(r.ready_epoch_ms-process.argv[2])' "$line" "$app_started")
    own_starts+=("$own")
    # Where it went: process start to WebKit loading the page, to its script having run, to
    # the first screen being ready (the page's own clock).
    split=$(node -e 'const r=JSON.parse(process.argv[1]), s=+process.argv[2], p=r.page||{};
      const d=(t)=>t==null?"?":t-s; console.log(`page load starts ${d(p.navigation_start)}, script ran ${d(p.dom_content_loaded)}, ready ${d(p.ready)}`)' "$line" "$app_started")
  fi
  # The app's milestones, in ms since its main function began (after the dynamic linker).
  milestones=$(tail -n +"$((logged_before + 1))" "$work/driver.log" | sed 's/\x1b\[[0-9;]*m//g' | awk '
    /setting up|set up|workspace opened|page load started|window interactive/ {
      for (i = 1; i <= NF; i++) if ($i ~ /^ms=/) ms = substr($i, 4)
      name = $0; sub(/^.*(INFO|WARN) [^ ]* /, "", name); sub(/ *ms=.*$/, "", name); sub(/^ms=[0-9]+ /, "", name)
      printf "%s%s %s", sep, name, ms; sep = ", " }')
  echo "   run $i ($cache page cache): app process start to first screen: ${own:-?} ms (${split:-?}); app log: ${milestones:-none}; WebDriver: $line"
done
# The same start without WebDriver, as a person starts the app: from the process starting (its
# /proc start tick) to its log saying the first screen is ready (`window interactive`) and the
# window is shown (`window shown`), polled every 10 ms. WebDriver's automation session adds its
# own handshake to the start above.
echo "== start without WebDriver ($runs runs): app process start to the first screen being ready"
direct_starts=()
for i in $(seq "$runs"); do
  cache=$(drop_caches)
  COUNTERSIGN_LOG=info "$app" >"$work/direct.log" 2>&1 &
  app_pid=$!
  ready_ms=""
  for _ in $(seq 1000); do
    # Ready and shown (the window is built hidden until its page has loaded).
    if grep -q 'window interactive' "$work/direct.log" && grep -q 'window shown' "$work/direct.log"; then
      ready_ms=$(date +%s%3N); break
    fi
    kill -0 "$app_pid" 2>/dev/null || break
    sleep 0.01
  done
  started_ms=$(awk -v n="$(date +%s%3N)" -v u="$(cut -d' ' -f1 /proc/uptime)" -v t="$(getconf CLK_TCK)" '{
    sub(/^.*\) /, ""); printf "%.0f\n", n - (u - $20 / t) * 1000 }' "/proc/$app_pid/stat" 2>/dev/null || true)
  kill "$app_pid" 2>/dev/null; wait "$app_pid" 2>/dev/null || true; app_pid=""
  own=$([ -n "$ready_ms" ] && [ -n "$started_ms" ] && echo $((ready_ms - started_ms)) || echo "?")
  [ "$own" != "?" ] && direct_starts+=("$own")
  milestones=$(sed 's/\x1b\[[0-9;]*m//g' "$work/direct.log" | awk '
    /setting up|set up|page load started|window interactive|window shown/ {
      for (i = 1; i <= NF; i++) if ($i ~ /^(since_start_)?ms=/) { split($i, kv, "="); v[kv[1]] = kv[2] }
      name = $0; sub(/^.*INFO [^ ]* /, "", name); sub(/ *(since_start_)?ms=.*$/, "", name); sub(/^.*ms=[0-9]+ /, "", name)
      printf "%s%s %s", sep, name, ("since_start_ms" in v) ? v["since_start_ms"] : v["ms"]; sep = ", "; delete v }')
  echo "   run $i ($cache page cache): ${own} ms; app log (ms since its main began): ${milestones:-none}"
  sleep 1
done

# The P-th percentile of the numbers after P, by nearest rank (the smallest value with at least
# P% of the runs at or below it: with 9 runs, p90 is the slowest), or "?" with none.
percentile_of() {
  local p=$1; shift
  [ $# -gt 0 ] || { echo "?"; return; }
  printf '%s\n' "$@" | sort -n | awk -v p="$p" '{a[NR]=$1} END {
    r = int(NR * p / 100); if (r < NR * p / 100) r++; if (r < 1) r = 1; print a[r] }'
}
median=$(percentile_of 50 "${starts[@]}")
own_median=$(percentile_of 50 "${own_starts[@]}")
own_p90=$(percentile_of 90 "${own_starts[@]}")
own_max=$(percentile_of 100 "${own_starts[@]}")

# Idle memory: the app on its own (no automation), 10 s after it starts.
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
kmb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 < b + 0) ? "ok" : "OVER" }'; }
kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/$3" 2>/dev/null || true; }
tree() { # a process and every process below it
  local p=$1 c
  echo "$p"
  for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree "$c"; done
}
# Prints the memory of a process and every process below it, and sets mem_rss (the process),
# mem_total_rss, mem_total_pss (KiB).
sample_memory() {
  local top=$1 p name rss pss
  mem_rss=$(kb "$top" VmRSS status)
  mem_total_rss=0 mem_total_pss=0
  printf '   %-28s %10s %10s\n' process "RSS MiB" "PSS MiB"
  for p in $(tree "$top"); do
    name=$(cat /proc/"$p"/comm 2>/dev/null || echo "?")
    rss=$(kb "$p" VmRSS status); pss=$(kb "$p" Pss smaps_rollup)
    rss=${rss:-0}; pss=${pss:-0}
    mem_total_rss=$((mem_total_rss + rss)); mem_total_pss=$((mem_total_pss + pss))
    printf '   %-28s %10s %10s\n' "$name ($p)" "$(kmb "$rss")" "$(kmb "$pss")"
  done
}
# Closes the X window titled $1 the way a person does: the window manager's WM_DELETE_WINDOW
# message (there is no window manager here, so it is sent directly; libX11 through ctypes).
close_window() {
  local wid=""
  # A window just built may not be listed (or titled) yet: look for up to 5 s.
  for _ in $(seq 50); do
    wid=$(xwininfo -root -tree | awk -v t="\"$1\": (" 'index($0, t) {print $1; exit}')
    [ -n "$wid" ] && break
    sleep 0.1
  done
  [ -n "$wid" ] || { echo "   no window titled $1"; xwininfo -root -tree | grep -i '"' | head -n 5; return 1; }
  python3 - "$wid" <<'PY'
import ctypes, sys
x = ctypes.cdll.LoadLibrary("libX11.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
x.XInternAtom.restype = ctypes.c_ulong
x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
x.XFlush.argtypes = x.XCloseDisplay.argtypes = [ctypes.c_void_p]
class ClientMessage(ctypes.Structure):  # XClientMessageEvent, padded to sizeof(XEvent)
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong),
                ("message_type", ctypes.c_ulong), ("format", ctypes.c_int),
                ("data", ctypes.c_long * 5), ("pad", ctypes.c_long * 12)]
d = x.XOpenDisplay(None)
if not d:
    sys.exit("close_window: no X display")
ev = ClientMessage(type=33, window=int(sys.argv[1], 0), format=32)  # 33: ClientMessage
ev.message_type = x.XInternAtom(d, b"WM_PROTOCOLS", 0)
ev.data[0] = x.XInternAtom(d, b"WM_DELETE_WINDOW", 0)  # data[1] = 0: CurrentTime
x.XSendEvent(d, ev.window, 0, 0, ctypes.byref(ev))
x.XFlush(d)
x.XCloseDisplay(d)
PY
}
# The last LINE ("window page loaded", "window interactive") in the app's log $2: its ms= (from
# asking for the window to its page having loaded, or to its first screen being ready;
# src-tauri logs both at COUNTERSIGN_LOG=info).
logged_ms() {
  sed 's/\x1b\[[0-9;]*m//g' "$2" | awk -v line="$1" 'index($0, line) {
    for (i = 1; i <= NF; i++) if ($i ~ /^ms=/) ms = substr($i, 4) } END { print ms }'
}
# Waits up to 10 s for the app's log $2 to hold LINE $1 at least $3 times.
await_logged() {
  for _ in $(seq 100); do
    [ "$(grep -c "$1" "$2")" -ge "$3" ] && return 0
    sleep 0.1
  done
  return 1
}
# The anonymous memory (heap, stacks, arenas) resident in process $1, in KiB.
anon_kb() { awk '/^Anonymous:/ { t += $2 } END { print t + 0 }' "/proc/$1/smaps" 2>/dev/null; }
# Idle memory of BINARY and the processes it starts, 10 s after it starts (no WebDriver
# attached): prints a table and sets mem_rss, mem_total_rss, mem_total_pss (KiB). With
# "closed" as $2 (the app), also closes its window and measures again 10 s later
# (closed_rss, closed_total_rss, closed_total_pss), then opens it again the way the tray's
# "Open Countersign" does (a second launch takes the same path: there is no tray host under
# Xvfb) and reads from the log how long its page took to load (reopen_ms) and its first screen
# to be ready (reopen_interactive_ms). With BENCH_CYCLES=N it closes and opens the window N
# times, printing the closed figures after each close (closed_* are the last cycle's) and
# keeping each cycle's /proc/PID/smaps in BENCH_SMAPS_DIR when that is set.
idle_memory() {
  local binary=$1 phase=${2:-} open_rss open_total_rss open_total_pss cycle opened
  COUNTERSIGN_LOG=info "$binary" >"$work/idle.log" 2>&1 &
  app_pid=$!
  sleep 10
  if ! kill -0 "$app_pid" 2>/dev/null; then
    echo "   $(basename "$binary") exited before it could be measured:"; tail -n 5 "$work/idle.log"
    app_pid=""; return 1
  fi
  sample_memory "$app_pid"
  if [ "$phase" = closed ]; then
    open_rss=$mem_rss open_total_rss=$mem_total_rss open_total_pss=$mem_total_pss
    echo "   -- window closed, 10 s later ($cycles cycle(s) of close, wait 10 s, measure, open):"
    reopens=() reopens_interactive=() closed_totals=()
    for cycle in $(seq "$cycles"); do
      close_window Countersign || break
      sleep 10
      sample_memory "$app_pid" >"$work/closed.txt"
      if [ "$cycle" = 1 ]; then cat "$work/closed.txt"; fi
      closed_rss=$mem_rss closed_total_rss=$mem_total_rss closed_total_pss=$mem_total_pss
      closed_anon=$(anon_kb "$app_pid")
      closed_totals+=("$closed_total_rss")
      if [ -n "${BENCH_SMAPS_DIR:-}" ]; then
        mkdir -p "$BENCH_SMAPS_DIR" && cp "/proc/$app_pid/smaps" "$BENCH_SMAPS_DIR/closed-$cycle.smaps"
      fi
      # The window's own first open (at start) was the first of each line: this is open number cycle + 1.
      opened=$((cycle + 1)) reopen_ms="" reopen_interactive_ms=""
      "$binary" >>"$work/second.log" 2>&1 || true
      await_logged 'window page loaded' "$work/idle.log" "$opened" &&
        reopen_ms=$(logged_ms 'window page loaded' "$work/idle.log") && reopens+=("$reopen_ms")
      await_logged 'window interactive' "$work/idle.log" "$opened" &&
        reopen_interactive_ms=$(logged_ms 'window interactive' "$work/idle.log") &&
        reopens_interactive+=("$reopen_interactive_ms")
      printf '   cycle %2d closed: app RSS %6s MiB (anonymous %6s), all processes RSS %6s / PSS %6s MiB; reopened: page loaded %s ms, interactive %s ms\n' \
        "$cycle" "$(kmb "$closed_rss")" "$(kmb "$closed_anon")" "$(kmb "$closed_total_rss")" \
        "$(kmb "$closed_total_pss")" "${reopen_ms:-?}" "${reopen_interactive_ms:-?}"
      # Used a little before the next close, as a person would (and WebKit settles).
      if [ "$cycle" -lt "$cycles" ]; then sleep 3; fi
    done
    mem_rss=$open_rss mem_total_rss=$open_total_rss mem_total_pss=$open_total_pss
  fi
  kill "$app_pid" 2>/dev/null; wait "$app_pid" 2>/dev/null || true; app_pid=""
  sleep 1
}

echo "== idle memory of the app (10 s after start, no WebDriver attached)"
closed_rss="" closed_total_rss="" closed_total_pss="" reopen_ms=""
idle_memory "$app" closed || exit 1
app_rss=$mem_rss total_rss=$mem_total_rss total_pss=$mem_total_pss
floor_rss="" floor_total_rss="" floor_total_pss=""
if [ -x "$floor" ]; then
  # The same window stack with an empty page and nothing of Countersign, set up as the app sets
  # itself up (WebKit drawing on the CPU): what any Tauri app costs on this machine.
  echo "== idle memory of an empty Tauri window (examples/webview-floor.rs), for comparison"
  if WEBKIT_DISABLE_COMPOSITING_MODE=1 idle_memory "$floor"; then
    floor_rss=$mem_rss floor_total_rss=$mem_total_rss floor_total_pss=$mem_total_pss
  fi
fi

bin_bytes=$(stat -c %s "$app")
deb=$(ls -t "$target"/release/bundle/deb/*.deb 2>/dev/null | head -n 1 || true)
deb_bytes=$( [ -n "$deb" ] && stat -c %s "$deb" || echo 0)

echo
echo "== figures (workspace: $posts posted posts, $db_mb MB on disk)"
if [ "$runs" -gt 0 ]; then
  printf '%-44s %10s   %s\n' "start: app process to first screen, p50 (ms)" "$own_median" "over $runs runs"
  printf '%-44s %10s   %s\n' "start: app process to first screen, p90 (ms)" "$own_p90" "target p90 < 1000: $(verdict "$own_p90" 1000)"
  printf '%-44s %10s   %s\n' "start: app process to first screen, max (ms)" "$own_max" "runs: ${own_starts[*]}"
  printf '%-44s %10s\n' "start: WebDriver session request to it, p50 (ms)" "$median"
  printf '%-44s %10s   %s\n' "start without WebDriver, p50 (ms)" "$(percentile_of 50 "${direct_starts[@]}")" "over ${#direct_starts[@]} runs"
  printf '%-44s %10s   %s\n' "start without WebDriver, p90 (ms)" "$(percentile_of 90 "${direct_starts[@]}")" \
    "target p90 < 1000: $(verdict "$(percentile_of 90 "${direct_starts[@]}" | sed 's/?/99999/')" 1000)"
  printf '%-44s %10s   %s\n' "start without WebDriver, max (ms)" "$(percentile_of 100 "${direct_starts[@]}")" "runs: ${direct_starts[*]}"
fi
printf '%-44s %10s   %s\n' "app process idle RSS (MiB)" "$(kmb "$app_rss")" "target < 60: $(verdict "$(kmb "$app_rss")" 60)"
printf '%-44s %10s   %s\n' "app + WebKit idle RSS (MiB)" "$(kmb "$total_rss")" "target < 250: $(verdict "$(kmb "$total_rss")" 250)"
printf '%-44s %10s   %s\n' "app + WebKit idle PSS (MiB)" "$(kmb "$total_pss")" "(shared library pages counted once)"
if [ -n "$floor_rss" ]; then
  printf '%-44s %10s\n' "empty Tauri window: process RSS (MiB)" "$(kmb "$floor_rss")"
  printf '%-44s %10s\n' "empty Tauri window + WebKit RSS (MiB)" "$(kmb "$floor_total_rss")"
  printf '%-44s %10s\n' "empty Tauri window + WebKit PSS (MiB)" "$(kmb "$floor_total_pss")"
  printf '%-44s %10s   %s\n' "window open: app RSS over the empty window (MiB)" "$(kmb $((app_rss - floor_rss)))" \
    "target <= 25: $(verdict "$(kmb $((app_rss - floor_rss)))" 25.05)"
  printf '%-44s %10s   %s\n' "window open: all PSS over the empty window (MiB)" "$(kmb $((total_pss - floor_total_pss)))" \
    "target <= 40: $(verdict "$(kmb $((total_pss - floor_total_pss)))" 40.05)"
  printf '%-44s %10s   %s\n' "window open: all RSS over the empty window (MiB)" "$(kmb $((total_rss - floor_total_rss)))" "(RSS counts shared pages in each process)"
fi
if [ -n "$closed_total_rss" ]; then
  printf '%-44s %10s\n' "window closed: app process RSS (MiB)" "$(kmb "$closed_rss")"
  printf '%-44s %10s   %s\n' "window closed: all processes RSS (MiB)" "$(kmb "$closed_total_rss")" "target < 60: $(verdict "$(kmb "$closed_total_rss")" 60)"
  printf '%-44s %10s\n' "window closed: all processes PSS (MiB)" "$(kmb "$closed_total_pss")"
  done_cycles=${#closed_totals[@]}
  if [ "$done_cycles" -gt 2 ]; then
    # The first reopen adds one-off caches (X's shared-memory image, fonts); the trend is after it.
    printf '%-44s %10s   %s\n' "window closed: all RSS after cycle 1, 2, $done_cycles" \
      "$(kmb "${closed_totals[0]}")" "$(kmb "${closed_totals[1]}"), $(kmb "$closed_total_rss") MiB: $(awk -v a="${closed_totals[1]}" \
        -v b="$closed_total_rss" -v n="$done_cycles" 'BEGIN { printf "%+.2f MiB a cycle after the second", (b - a) / 1024 / (n - 2) }')"
    printf '%-44s %10s   %s\n' "window closed: all RSS, largest of $done_cycles (MiB)" \
      "$(kmb "$(percentile_of 100 "${closed_totals[@]}")")" "target < 60: $(verdict "$(kmb "$(percentile_of 100 "${closed_totals[@]}")")" 60)"
  fi
  printf '%-44s %10s\n' "reopen: asked for to page loaded, p50 (ms)" "$(percentile_of 50 "${reopens[@]}")"
  reopen_p50=$(percentile_of 50 "${reopens_interactive[@]}")
  printf '%-44s %10s   %s\n' "reopen: asked for to interactive, p50 (ms)" "$reopen_p50" "target < 1000: $(verdict "${reopen_p50/\?/99999}" 1000)"
  printf '%-44s %10s   %s\n' "reopen: asked for to interactive, max (ms)" "$(percentile_of 100 "${reopens_interactive[@]}")" "over ${#reopens_interactive[@]} reopen(s)"
fi
printf '%-44s %10s   %s\n' "release binary (MiB)" "$(mb "$bin_bytes")" "$bin_bytes bytes"
printf '%-44s %10s   %s\n' ".deb (MiB) $(basename "${deb:-none}")" "$(mb "$deb_bytes")" \
  "$deb_bytes bytes; target < 10 MB (10,000,000 bytes): $(verdict "$deb_bytes" 10000000)"
