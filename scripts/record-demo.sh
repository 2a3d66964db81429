#!/usr/bin/env bash
# Records assets/demo/incident.rec: the bundled replay `spheroseg-top demo` falls back to
# when Prometheus is not installed. Real data, never hand-made: Debian's prometheus scrapes
# the simulator, the dashboard records it, and this script walks it through an incident —
# normal, the incident (replica-2 lags, the ML queue backs up, API latency and 5xx rise),
# recovery — placing markers with the dashboard's own `m` key, in a detached tmux.
#
# Needs: cargo, prometheus, tmux, curl. Usage: scripts/record-demo.sh [OUTPUT]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-assets/demo/incident.rec}"
# The guide's rules hold alerts pending for 5 minutes (10 for the ML queue) before they
# fire; the incident lasts long enough for the replay to show them fire.
normal="${NORMAL_SECONDS:-45}"
incident="${INCIDENT_SECONDS:-400}"
recovery="${RECOVERY_SECONDS:-45}"

for tool in prometheus tmux curl; do
  command -v "$tool" >/dev/null || { echo "record-demo: $tool is required" >&2; exit 1; }
done
cargo build --quiet --bin spheroseg-top
binary="$PWD/target/debug/spheroseg-top"
work="$(mktemp -d)"
socket="spheroseg-record-demo-$$"
cleanup() { tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

rm -f "$out.tmp"
tmux -L "$socket" new-session -d -s demo -x 200 -y 50 \
  "$binary demo --record '$out.tmp' 2>'$work/stderr'; echo \$? >'$work/status'"

# The demo prints the simulator's address before it opens the dashboard.
for _ in $(seq 60); do
  sim="$(grep -o 'simulator: http://[0-9.:]*' "$work/stderr" 2>/dev/null | cut -d' ' -f2 || true)"
  [ -n "$sim" ] && break
  sleep 1
done
[ -n "$sim" ] || { echo "record-demo: the demo did not start:" >&2; cat "$work/stderr" >&2; exit 1; }

mark() {
  tmux -L "$socket" send-keys -t demo m
  sleep 0.5
  tmux -L "$socket" send-keys -t demo -l -- "$1"
  tmux -L "$socket" send-keys -t demo Enter
}

echo "record-demo: recording $normal s normal, $incident s incident, $recovery s recovery"
sleep "$normal"
curl -fsS -XPOST "$sim/scenario" -d incident >/dev/null
mark "incident: replica-2 lags, ML queue backs up"
sleep "$incident"
curl -fsS -XPOST "$sim/scenario" -d normal >/dev/null
mark "recovery: replication caught up"
sleep "$recovery"
tmux -L "$socket" send-keys -t demo q
for _ in $(seq 30); do [ -f "$work/status" ] && break; sleep 1; done
[ "$(cat "$work/status" 2>/dev/null)" = 0 ] || { echo "record-demo: the dashboard failed:" >&2; cat "$work/stderr" >&2; exit 1; }
mv "$out.tmp" "$out"
echo "record-demo: wrote $out ($(stat -c %s "$out") bytes)"
