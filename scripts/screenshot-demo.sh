#!/usr/bin/env bash
# Makes assets/screenshot-*.svg, the README's pictures: Debian's prometheus (with the guide's
# rules) scrapes the simulator in its incident, and `spheroseg-top screenshot` draws tabs
# off-screen after one poll. Real data, never hand-made.
#
# Needs: cargo, prometheus, curl. Usage: scripts/screenshot-demo.sh [SECONDS_OF_INCIDENT]
set -euo pipefail
cd "$(dirname "$0")/.."
warm="${1:-60}"
command -v prometheus >/dev/null || { echo "screenshot-demo: prometheus is required" >&2; exit 1; }
cargo build --quiet --bin spheroseg-top --bin spheroseg-sim
work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

target/debug/spheroseg-sim --listen 127.0.0.1:0 --scenario incident >"$work/sim.out" &
pids+=($!)
for _ in $(seq 30); do grep -q listening "$work/sim.out" 2>/dev/null && break; sleep 0.5; done
sim="$(grep -o '127.0.0.1:[0-9]*' "$work/sim.out")"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat >"$work/prometheus.yml" <<YAML
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: ['$PWD/assets/rules/spheroseg.yml']
scrape_configs:
  - job_name: spheroseg
    honor_labels: true
    static_configs: [{ targets: ['$sim'] }]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
url="http://127.0.0.1:$port"
for _ in $(seq 60); do curl -fs "$url/-/ready" >/dev/null && break; sleep 0.5; done
echo "screenshot-demo: letting the incident run for $warm s"
sleep "$warm"
for tab in overview database; do
  target/debug/spheroseg-top --prometheus "$url" --refresh 1s screenshot --tab "$tab" \
    --size 120x34 -o "assets/screenshot-$tab.svg"
  echo "screenshot-demo: wrote assets/screenshot-$tab.svg"
done
