#!/usr/bin/env bash
# Measures what spheroseg-top costs next to its closest peer, grafatui, showing the same
# panels (assets/grafana/spheroseg.json, the default layout exported for Grafana) at the
# same terminal size and refresh, against the same Prometheus: CPU (share of one core, from
# /proc/PID/stat utime+stime), resident memory (VmRSS, RssAnon, VmHWM from
# /proc/PID/status), requests/s on Prometheus and Prometheus' own CPU above an idle baseline.
#
# Attribution: the clients run one after the other, never together, against one Prometheus
# that nothing else queries. Phases: idle (no client), spheroseg-top, grafatui, idle again.
# A phase's requests/s is the delta of prometheus_http_requests_total (all handlers but
# /metrics, which only this script reads) over that phase; Prometheus' CPU is the delta of
# its process_cpu_seconds_total, minus the mean of the two idle phases (scraping and rule
# evaluation). Each client gets a warm-up first (start-up and its history backfill are not
# measured), then the measured window.
#
# grafatui is installed with `cargo install --root` into a folder outside the repository
# (--peer-root) when missing. Without --prometheus, the script starts the demo stack: the
# release spheroseg-sim and Debian's prometheus scraping it with the monitoring guide's
# rules, on 127.0.0.1 with temporary storage. Everything started is stopped on exit.
#
# --backends measures spheroseg-top alone against several backends side by side (issue 23):
# it starts two demo stacks (eu and us: a simulator and a Prometheus each, own port, own
# storage) and runs spheroseg-top with one backend (--prometheus eu=URL), then with two
# (--prometheus eu=URL --prometheus us=URL), same phases as above (idle, one, two, idle).
# It reports the client's CPU and memory, two against one, and each Prometheus' requests/s
# and CPU above its own idle baseline, so one sees whether each backend costs what one does.
# grafatui is not run then (it shows one server), nor installed.
#
# Needs: cargo, tmux, curl, awk, and prometheus unless --prometheus is given.
# Usage: scripts/compare-peer.sh [options]; --help lists them. Reproducible figures need a
# quiet machine: the load average is printed with the results.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

peer_root="${SPHEROSEG_PEER_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/spheroseg-peers}"
grafatui_version="0.1.18"
grafatui=""
prometheus_url=""
size="200x60"
refresh=1
warmup=20
duration=60
idle=30
scrape_interval="15s"
build=1
slo_rules=0
dashboard="$repo/assets/grafana/spheroseg.json"
backends=0

usage() {
  cat <<EOF
Usage: scripts/compare-peer.sh [options]

  --peer-root DIR          where grafatui is installed if missing
                           [default: \$XDG_CACHE_HOME or ~/.cache, then spheroseg-peers]
  --grafatui-version V     grafatui version to install [default: $grafatui_version]
  --grafatui PATH          use this grafatui binary instead of installing one
  --prometheus URL         measure against this Prometheus on 127.0.0.1 instead of starting
                           the demo stack (nothing else should query it meanwhile)
  --scrape-interval D      the demo stack's scrape and rule interval [default: $scrape_interval]
  --slo-rules              the demo stack also loads the rules \`spheroseg-top slo rules\` writes
                           for the layout's SLOs (the SLO panels then read them, not raw windows)
  --size WxH               terminal size of both clients [default: $size]
  --refresh SECONDS        refresh of both clients, whole seconds [default: $refresh]
  --warmup SECONDS         unmeasured start of each client [default: $warmup]
  --duration SECONDS       measured time of each client [default: $duration]
  --idle SECONDS           each idle baseline (one before, one after) [default: $idle]
  --no-build               use target/release as it is (no cargo build)
  --backends               another comparison (issue 23): spheroseg-top with one backend against
                           spheroseg-top with two side by side; starts two demo stacks (eu, us),
                           does not run grafatui (the --peer-root folder only keeps the screens)
  -h, --help               this text

Environment: CARGO_BUILD_JOBS limits the build's jobs; CARGO_TARGET_DIR is honoured.
EOF
}

die() { echo "compare-peer: $*" >&2; exit 1; }

whole_seconds() { [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -gt 0 ] || die "$1 wants whole seconds > 0, got '$2'"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --peer-root) peer_root="${2:?--peer-root needs a directory}"; shift ;;
    --grafatui-version) grafatui_version="${2:?--grafatui-version needs a version}"; shift ;;
    --grafatui) grafatui="${2:?--grafatui needs a path}"; shift ;;
    --prometheus) prometheus_url="${2:?--prometheus needs a URL}"; shift ;;
    --scrape-interval) scrape_interval="${2:?--scrape-interval needs a duration}"; shift ;;
    --size) size="${2:?--size needs WxH}"; shift ;;
    --refresh) refresh="${2:-}"; whole_seconds --refresh "$refresh"; shift ;;
    --warmup) warmup="${2:-}"; whole_seconds --warmup "$warmup"; shift ;;
    --duration) duration="${2:-}"; whole_seconds --duration "$duration"; shift ;;
    --idle) idle="${2:-}"; whole_seconds --idle "$idle"; shift ;;
    --no-build) build=0 ;;
    --slo-rules) slo_rules=1 ;;
    --backends) backends=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
  esac
  shift
done

[[ "$size" =~ ^([0-9]+)x([0-9]+)$ ]] || die "--size wants WxH such as 200x60, got '$size'"
width="${BASH_REMATCH[1]}"
height="${BASH_REMATCH[2]}"
if [ "$backends" = 1 ] && [ -n "$prometheus_url" ]; then
  die "--backends starts its own two demo stacks; --prometheus is not for it"
fi
if [ -n "$prometheus_url" ]; then
  prometheus_url="${prometheus_url%/}"
  [[ "$prometheus_url" =~ ^http://(127\.0\.0\.1|localhost):[0-9]+$ ]] \
    || die "--prometheus must be http://127.0.0.1:PORT (only this machine is measured), got '$prometheus_url'"
fi
for tool in tmux curl awk; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
[ -f "$dashboard" ] || die "$dashboard is missing"

work="$(mktemp -d "${TMPDIR:-/tmp}/compare-peer.XXXXXX")"
socket="compare-peer-$$"
# The clients' PIDs: a TUI may ignore the SIGHUP its closing tmux pane sends (grafatui 0.1.18
# keeps running, spinning on a closed terminal), so each is stopped by PID too.
clients=()
stop_client() { # pid
  kill -0 "$1" 2>/dev/null || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 20); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}
cleanup() {
  tmux -L "$socket" kill-server 2>/dev/null || true
  for pid in "${clients[@]}"; do stop_client "$pid"; done
  # Only this shell's own children still running (a PID read from /proc/PID/stat's parent
  # field): never a process that took over the PID of one that ended.
  local children=()
  for pid in $(jobs -p); do
    [ "$(awk '{ print $4 }' "/proc/$pid/stat" 2>/dev/null)" = "$$" ] && children+=("$pid")
  done
  [ ${#children[@]} -gt 0 ] || { rm -rf "$work"; return; }
  kill "${children[@]}" 2>/dev/null || true
  # Prometheus shuts down gracefully on SIGTERM: this can take a few seconds.
  wait "${children[@]}" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "compare-peer: interrupted" >&2; exit 130' INT TERM
# A sleep the traps can interrupt: bash runs a trap only once its foreground child is done.
pause() {
  sleep "$1" &
  wait "$!"
}

# ---- the peer ------------------------------------------------------------------------
# (not with --backends: only spheroseg-top runs there)
if [ "$backends" = 0 ]; then
  if [ -z "$grafatui" ]; then
    peer_dir="$(mkdir -p "$peer_root" && cd "$peer_root" && pwd)/grafatui-$grafatui_version"
    case "$peer_dir/" in "$repo"/*) die "--peer-root must be outside the repository" ;; esac
    grafatui="$peer_dir/bin/grafatui"
    if [ ! -x "$grafatui" ]; then
      command -v cargo >/dev/null || die "cargo is required to install grafatui"
      echo "compare-peer: installing grafatui $grafatui_version into $peer_dir" >&2
      cargo install --locked --root "$peer_dir" grafatui --version "$grafatui_version" >&2
    fi
  fi
  [ -x "$grafatui" ] || die "grafatui not found at $grafatui"
  peer_version="$("$grafatui" --version | awk '{print $NF}')"
  # grafatui's own import check: a dashboard it could not read would measure an empty screen.
  "$grafatui" --validate --strict --grafana-json "$dashboard" >"$work/validate.txt" 2>&1 \
    || { cat "$work/validate.txt" >&2; die "grafatui rejects $dashboard"; }
  echo "compare-peer: grafatui $peer_version: $(head -1 "$work/validate.txt")" >&2
fi

# ---- spheroseg-top -------------------------------------------------------------------
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
if [ "$build" = 1 ]; then
  echo "compare-peer: building spheroseg-top (release)" >&2
  cargo build --release --quiet --bin spheroseg-top --bin spheroseg-sim
fi
ours="$target_dir/release/spheroseg-top"
sim_bin="$target_dir/release/spheroseg-sim"
[ -x "$ours" ] || die "$ours is missing (run without --no-build)"
our_version="$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)"

# ---- Prometheus ----------------------------------------------------------------------
# A Prometheus' answer to an instant query, or nothing.
query_at() { curl -fsS --max-time 5 -G "$1/api/v1/query" --data-urlencode "query=$2" 2>/dev/null || true; }
query() { query_at "$prometheus_url" "$1"; }

# One demo stack: the simulator and a Prometheus scraping it, their files in $work named
# with TAG (sim$TAG.out, prometheus$TAG.yml, data$TAG, …); sets stack_url to its Prometheus.
# Both run as this shell's jobs, so cleanup stops them.
start_stack() { # tag
  local tag="$1" sim="" attempt port prometheus_pid
  "$sim_bin" --listen 127.0.0.1:0 >"$work/sim$tag.out" 2>&1 &
  for _ in $(seq 50); do
    sim="$(grep -o 'http://[0-9.:]*' "$work/sim$tag.out" 2>/dev/null || true)"
    [ -n "$sim" ] && break
    sleep 0.2
  done
  [ -n "$sim" ] || { cat "$work/sim$tag.out" >&2; die "the simulator did not start"; }
  cat >"$work/prometheus$tag.yml" <<EOF
global:
  scrape_interval: $scrape_interval
  evaluation_interval: $scrape_interval
rule_files:
  - '$repo/assets/rules/spheroseg.yml'
$([ "$slo_rules" = 1 ] && "$ours" slo rules -o "$work/slo-rules$tag.yml" && echo "  - '$work/slo-rules$tag.yml'")
scrape_configs:
  - job_name: spheroseg
    honor_labels: true
    static_configs:
      - targets: ['${sim#http://}']
EOF
  # A random port; another process may hold it, then try another.
  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    prometheus --config.file="$work/prometheus$tag.yml" --storage.tsdb.path="$work/data$tag" \
      --web.listen-address="127.0.0.1:$port" --log.level=warn >"$work/prometheus$tag.log" 2>&1 &
    prometheus_pid=$!
    stack_url="http://127.0.0.1:$port"
    for _ in $(seq 150); do
      kill -0 "$prometheus_pid" 2>/dev/null || break
      query_at "$stack_url" 'up{job="spheroseg"}' | grep -q '"1"\]' && break
      sleep 0.2
    done
    kill -0 "$prometheus_pid" 2>/dev/null && break
    grep -q 'address already in use' "$work/prometheus$tag.log" && [ "$attempt" -lt 5 ] && continue
    cat "$work/prometheus$tag.log" >&2
    die "Prometheus did not start"
  done
  query_at "$stack_url" 'up{job="spheroseg"}' | grep -q '"1"\]' \
    || { tail -20 "$work/prometheus$tag.log" >&2; die "Prometheus did not scrape the simulator within 30 s"; }
}

if [ -z "$prometheus_url" ]; then
  command -v prometheus >/dev/null \
    || die "prometheus is required for the demo stack (sudo apt-get install -y prometheus), or pass --prometheus URL"
  [ -x "$sim_bin" ] || die "$sim_bin is missing (run without --no-build)"
  if [ "$backends" = 1 ]; then
    start_stack -eu
    eu_url="$stack_url"
    start_stack -us
    us_url="$stack_url"
    prometheus_url="$eu_url"
    stack="two demo stacks (eu, us): each a Prometheus scraping its own spheroseg-sim every $scrape_interval with the guide's rules"
  else
    start_stack ""
    prometheus_url="$stack_url"
    stack="demo stack: Prometheus scraping spheroseg-sim every $scrape_interval with the guide's rules"
  fi
  if [ "$slo_rules" = 1 ]; then stack="$stack and the SLO rules"; fi
else
  query 'up' | grep -q '"status":"success"' || die "no Prometheus answers at $prometheus_url"
  stack="Prometheus at $prometheus_url (given)"
fi
prom_version="$(curl -fsS "$prometheus_url/api/v1/status/buildinfo" | grep -o '"version":"[^"]*"' | cut -d'"' -f4 || echo unknown)"

# ---- measuring -----------------------------------------------------------------------
ticks="$(getconf CLK_TCK)"
now() { date +%s.%N; }

# A Prometheus' own counters (URL, by default the measured one): "HANDLER COUNT" lines of
# prometheus_http_requests_total summed over codes (all but /metrics), then "cpu SECONDS".
prom_counters() { # [url]
  curl -fsS --max-time 5 "${1:-$prometheus_url}/metrics" | awk '
    /^prometheus_http_requests_total\{/ {
      match($0, /handler="[^"]*"/); h = substr($0, RSTART + 9, RLENGTH - 10)
      if (h != "/metrics") n[h] += $NF
    }
    /^process_cpu_seconds_total / { cpu = $2 }
    END { for (h in n) print h, n[h]; print "cpu", cpu + 0 }'
}

# Per-second rates between two prom_counters snapshots: "HANDLER RATE" lines, "requests
# RATE" (all handlers) and "cpu PERCENT" (of one core).
rates() { # before after seconds
  awk -v s="$3" '
    FNR == NR { before[$1] = $2; next }
    { d = $2 - before[$1]; if ($1 == "cpu") cpu = d / s * 100; else if (d > 0) { printf "%s %.2f\n", $1, d / s; total += d } }
    END { printf "requests %.2f\ncpu %.2f\n", total / s, cpu }' "$1" "$2"
}

# The Prometheus servers measured in each phase, and the tag of their files: a phase NAME's
# snapshots and rates are $work/NAME$TAG.before, .after, .rates (one server, no tag; with
# --backends, .eu and .us).
server_tags=("")
server_urls=("$prometheus_url")
snapshot() { # name before|after
  local i
  for i in "${!server_urls[@]}"; do prom_counters "${server_urls[$i]}" >"$work/$1${server_tags[$i]}.$2"; done
}
phase_rates() { # name seconds
  local tag
  for tag in "${server_tags[@]}"; do
    rates "$work/$1$tag.before" "$work/$1$tag.after" "$2" >"$work/$1$tag.rates"
  done
}

proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

idle_phase() { # name
  echo "compare-peer: idle baseline ($idle s, no client)" >&2
  snapshot "$1" before
  local t0; t0="$(now)"
  pause "$idle"
  snapshot "$1" after
  phase_rates "$1" "$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')"
}

client_phase() { # name command...
  local name="$1"; shift
  local command; command="$(printf '%q ' "$@")"
  mkdir -p "$work/config-$name"
  echo "compare-peer: $name at ${width}x$height, refresh $refresh s: $warmup s warm-up, $duration s measured" >&2
  # A clean environment, so neither client reads a user's config file or proxy settings.
  tmux -L "$socket" -f /dev/null new-session -d -s "$name" -x "$width" -y "$height" -c "$work" \
    "exec env -i HOME=$(printf %q "$HOME") PATH=$(printf %q "$PATH") TERM=\"\$TERM\" LANG=C.UTF-8 XDG_CONFIG_HOME=$(printf %q "$work/config-$name") $command 2>$(printf %q "$work/$name.stderr")"
  local pid; pid="$(tmux -L "$socket" display-message -p -t "$name" '#{pane_pid}')"
  clients+=("$pid")
  pause "$warmup"
  kill -0 "$pid" 2>/dev/null || { cat "$work/$name.stderr" >&2; die "$name exited during its warm-up"; }
  local c0 t0 c1 t1
  snapshot "$name" before
  c0="$(proc_ticks "$pid")"; t0="$(now)"
  pause "$duration"
  c1="$(proc_ticks "$pid")"; t1="$(now)"
  snapshot "$name" after
  kill -0 "$pid" 2>/dev/null || { cat "$work/$name.stderr" >&2; die "$name exited while measured"; }
  local seconds; seconds="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
  phase_rates "$name" "$seconds"
  {
    awk -v d="$((c1 - c0))" -v t="$ticks" -v s="$seconds" 'BEGIN { printf "client_cpu %.2f\n", d / t / s * 100 }'
    for key in VmRSS RssAnon RssFile VmHWM; do echo "$key $(status_kib "$pid" "$key")"; done
  } >"$work/$name.client"
  mkdir -p "$peer_root/last-run"
  tmux -L "$socket" capture-pane -p -t "$name" >"$peer_root/last-run/$name.screen"
  tmux -L "$socket" kill-session -t "$name"
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  stop_client "$pid"
}

get() { awk -v k="$2" '$1 == k { print $2 }' "$work/$1"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "n/a" }'; }
handlers() { # name: "query 12.0/s, query_range 3.0/s"
  grep -v -e '^requests ' -e '^cpu ' "$work/$1.rates" | sort -k2 -nr | awk '{ printf "%s%s %s/s", sep, $1, $2; sep = ", " }'
}

cpu_model="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"

# ---- --backends: spheroseg-top with one backend, then with two --------------------------
run_backends() {
  server_tags=(.eu .us)
  server_urls=("$eu_url" "$us_url")
  local one=spheroseg-top-eu two=spheroseg-top-eu-us
  load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
  idle_phase idle1
  client_phase "$one" "$ours" --prometheus "eu=$eu_url" --refresh "${refresh}s" --no-proxy
  client_phase "$two" "$ours" --prometheus "eu=$eu_url" --prometheus "us=$us_url" \
    --refresh "${refresh}s" --no-proxy
  idle_phase idle2
  load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

  # Each Prometheus against its own idle baseline.
  local tag idle_eu idle_us
  for tag in eu us; do
    printf -v "idle_$tag" '%s' "$(awk -v a="$(get "idle1.$tag.rates" cpu)" -v b="$(get "idle2.$tag.rates" cpu)" \
      'BEGIN { printf "%.2f", (a + b) / 2 }')"
  done
  above_idle() { # name tag
    local i="idle_$2"
    awk -v c="$(get "$1.$2.rates" cpu)" -v i="${!i}" 'BEGIN { d = c - i; printf "%.2f", (d > 0 ? d : 0) }'
  }
  local one_eu two_eu two_us
  one_eu="$(above_idle "$one" eu)"
  two_eu="$(above_idle "$two" eu)"
  two_us="$(above_idle "$two" us)"

  echo
  echo "## spheroseg-top $our_version: one backend vs two side by side ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "- machine: $(nproc) × ${cpu_model:-unknown CPU}, Linux $(uname -r); load average $load_before at start, $load_after at end"
  echo "- $stack; Prometheus $prom_version"
  echo "- spheroseg-top at ${width}x$height, refresh $refresh s, the default layout: with one backend (--prometheus eu=…), then with two (--prometheus eu=… --prometheus us=…); one after the other: $warmup s warm-up, then $duration s measured each"
  echo "- Prometheus CPU above idle: each one's process_cpu_seconds_total minus the mean of its own two ${idle} s idle phases (eu ${idle_eu} % of one core, before $(get idle1.eu.rates cpu) %, after $(get idle2.eu.rates cpu) %; us ${idle_us} %, before $(get idle1.us.rates cpu) %, after $(get idle2.us.rates cpu) %)"
  echo
  echo "| | one backend (eu) | two backends (eu, us) | two / one |"
  echo "|---|---|---|---|"
  row "spheroseg-top CPU of one core" "$(get "$one.client" client_cpu) %" "$(get "$two.client" client_cpu) %" \
    "$(ratio "$(get "$two.client" client_cpu)" "$(get "$one.client" client_cpu)")"
  local key
  for key in VmRSS RssAnon VmHWM; do
    row "spheroseg-top $key" "$(mib "$(get "$one.client" "$key")")" "$(mib "$(get "$two.client" "$key")")" \
      "$(ratio "$(get "$two.client" "$key")" "$(get "$one.client" "$key")")"
  done
  row "eu Prometheus: requests/s" "$(get "$one.eu.rates" requests)" "$(get "$two.eu.rates" requests)" \
    "$(ratio "$(get "$two.eu.rates" requests)" "$(get "$one.eu.rates" requests)")"
  row "eu Prometheus: CPU above idle (all of it)" "$one_eu % ($(get "$one.eu.rates" cpu) %)" \
    "$two_eu % ($(get "$two.eu.rates" cpu) %)" "$(ratio "$two_eu" "$one_eu")"
  row "us Prometheus: requests/s" "—" "$(get "$two.us.rates" requests)" \
    "$(ratio "$(get "$two.us.rates" requests)" "$(get "$one.eu.rates" requests)") of eu's with one"
  row "us Prometheus: CPU above idle (all of it)" "—" "$two_us % ($(get "$two.us.rates" cpu) %)" \
    "$(ratio "$two_us" "$one_eu") of eu's with one"
  echo
  echo "- issue 23 asks: two / one ≤ 1.6× for the client's CPU and resident memory; each Prometheus' load with two backends ≈ eu's with one (1.00×)"
  echo "- resolution: one clock tick (1/$ticks s) in the $duration s measured is $(awk -v t="$ticks" -v d="$duration" 'BEGIN { printf "%.2f", 100 / t / d }') % of one core; a ratio of a few ticks says little"
  echo "- the us Prometheus during the one-backend run (not a backend then): $(get "$one.us.rates" requests) requests/s"
  local listed
  listed="$(handlers "$one.eu")"; echo "- requests with one backend, eu: ${listed:-none}"
  listed="$(handlers "$two.eu")"; echo "- requests with two backends, eu: ${listed:-none}"
  listed="$(handlers "$two.us")"; echo "- requests with two backends, us: ${listed:-none}"
  echo "- last screens: $peer_root/last-run/{$one,$two}.screen"
}
row() { echo "| $1 | $2 | $3 | $4 |"; }
if [ "$backends" = 1 ]; then
  run_backends
  exit 0
fi

# ---- spheroseg-top vs grafatui -------------------------------------------------------
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
idle_phase idle1
client_phase spheroseg-top "$ours" --prometheus "$prometheus_url" --refresh "${refresh}s" --no-proxy
client_phase grafatui "$grafatui" --prometheus-url "$prometheus_url" --grafana-json "$dashboard" \
  --refresh-rate "$((refresh * 1000))" --range 15m
idle_phase idle2
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

idle_cpu="$(awk -v a="$(get idle1.rates cpu)" -v b="$(get idle2.rates cpu)" 'BEGIN { printf "%.2f", (a + b) / 2 }')"
above() { awk -v c="$(get "$1.rates" cpu)" -v i="$idle_cpu" 'BEGIN { d = c - i; printf "%.2f", (d > 0 ? d : 0) }'; }
ours_above="$(above spheroseg-top)"
peer_above="$(above grafatui)"

echo
echo "## spheroseg-top $our_version vs grafatui $peer_version ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo
echo "- machine: $(nproc) × ${cpu_model:-unknown CPU}, Linux $(uname -r); load average $load_before at start, $load_after at end"
echo "- $stack; Prometheus $prom_version"
echo "- both at ${width}x$height, refresh $refresh s, the default layout (grafatui: assets/grafana/spheroseg.json); one after the other: $warmup s warm-up, then $duration s measured each"
echo "- Prometheus CPU above idle: its process_cpu_seconds_total minus the mean of two ${idle} s idle phases (${idle_cpu} % of one core, before $(get idle1.rates cpu) %, after $(get idle2.rates cpu) %)"
echo
echo "| | spheroseg-top | grafatui $peer_version | spheroseg-top / grafatui |"
echo "|---|---|---|---|"
row "CPU of one core" "$(get spheroseg-top.client client_cpu) %" "$(get grafatui.client client_cpu) %" \
  "$(ratio "$(get spheroseg-top.client client_cpu)" "$(get grafatui.client client_cpu)")"
for key in VmRSS RssAnon RssFile VmHWM; do
  row "$key" "$(mib "$(get spheroseg-top.client "$key")")" "$(mib "$(get grafatui.client "$key")")" \
    "$(ratio "$(get spheroseg-top.client "$key")" "$(get grafatui.client "$key")")"
done
row "requests/s on Prometheus" "$(get spheroseg-top.rates requests)" "$(get grafatui.rates requests)" \
  "$(ratio "$(get spheroseg-top.rates requests)" "$(get grafatui.rates requests)")"
row "Prometheus CPU above idle (all of it)" "$ours_above % ($(get spheroseg-top.rates cpu) %)" \
  "$peer_above % ($(get grafatui.rates cpu) %)" "$(ratio "$ours_above" "$peer_above")"
echo
echo "- spheroseg-top's requests: $(handlers spheroseg-top)"
echo "- grafatui's requests: $(handlers grafatui)"
echo "- last screens: $peer_root/last-run/{spheroseg-top,grafatui}.screen"
