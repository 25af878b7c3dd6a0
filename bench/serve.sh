#!/usr/bin/env bash
# Compares `orgdir serve` with `oxigraph serve-read-only` (PyPI oxigraph) on N
# synthetic records, side by side in one run: the same four-query mix
# (bench/serve/mix.lua) driven by wrk on 127.0.0.1 at concurrency 1, 8 and 32,
# once with distinct queries (never a cache hit) and once with repeated ones,
# and the time from start to first answer of each server (for oxigraph:
# `oxigraph load` of the N-Triples dump, then the server). orgdir starts twice:
# cold, on data it never validated (it validates, then serves), and after
# `orgdir build` (the verdict remembered); only the second one serves the mix.
#
#   bench/serve.sh N [SECONDS]        (SECONDS per wrk run, default 10)
#
# Needs: apt-get install wrk; pip install oxigraph.
set -euo pipefail
N=${1:?usage: bench/serve.sh N [SECONDS]}
SECONDS_PER_RUN=${2:-10}
. "$(dirname "$0")/lib.sh" serve

synthetic_data "$N"
ORG_PORT=17878 OX_PORT=17879 COLD_PORT=17880
probe="query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D"

# Seconds from now until the endpoint answers 200.
first_answer() { # url, start (ns)
  until curl -sf -o /dev/null "$1?$probe"; do sleep 0.05; done
  echo "scale=2; ($(date +%s%N) - $2) / 1000000000" | bc
}

start=$(date +%s%N)
ORGDIR_CACHE_DIR= "$orgdir" -q --data "$work/data" serve --queries "$work/empty-queries" \
  --addr 127.0.0.1:$COLD_PORT & cold=$!; pids+=($cold)
org_cold=$(first_answer "http://127.0.0.1:$COLD_PORT/sparql" "$start")
kill $cold; wait $cold 2>/dev/null || true

start=$(date +%s%N)
"$orgdir" -q --data "$work/data" serve --queries "$work/empty-queries" --addr 127.0.0.1:$ORG_PORT \
  --query-timeout 60 & pids+=($!)
org_first=$(first_answer "http://127.0.0.1:$ORG_PORT/sparql" "$start")

start=$(date +%s%N)
oxigraph load --location "$work/ox" --file "$work/dist/orgs.nt" >/dev/null 2>&1
oxigraph serve-read-only --location "$work/ox" --bind 127.0.0.1:$OX_PORT >/dev/null 2>&1 & pids+=($!)
ox_first=$(first_answer "http://127.0.0.1:$OX_PORT/query" "$start")

results=$work/results.txt
for mode in distinct repeated; do
  distinct=0; [ $mode = distinct ] && distinct=1
  for c in 1 8 32; do
    for server in orgdir oxigraph; do
      if [ $server = orgdir ]; then port=$ORG_PORT path=/sparql; else port=$OX_PORT path=/query; fi
      out=$(ENDPOINT=$path DISTINCT=$distinct RECORDS=$N wrk -t $(( c < 2 ? 1 : 2 )) -c $c \
        -d "${SECONDS_PER_RUN}s" --latency -s "$root/bench/serve/mix.lua" "http://127.0.0.1:$port")
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
      p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
      errors=$(echo "$out" | awk '/Non-2xx/ {print $5}')
      echo "$mode $c $server $rps $p50 $p99 ${errors:-0}" >> "$results"
    done
  done
done

python3 - "$results" "$N" "$SECONDS_PER_RUN" "$org_first" "$ox_first" "$org_cold" <<'PY'
import sys
path, n, secs, org_first, ox_first = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
org_cold = float(sys.argv[6])
def ms(v):
    for unit, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if v.endswith(unit) and not (unit == "s" and v.endswith(("us", "ms"))):
            return float(v[: -len(unit)]) * f
    return float(v)
rows = {}
for line in open(path):
    mode, c, server, rps, p50, p99, errors = line.split()
    rows[(mode, int(c), server)] = (float(rps), ms(p50), ms(p99), int(errors))
print(f"N = {n:,} records, wrk {secs} s per cell, four-query mix (bench/serve/mix.lua)\n")
print("| queries | concurrency | orgdir req/s | oxigraph req/s | throughput ratio | orgdir p50 / p99 (ms) | oxigraph p50 / p99 (ms) | non-2xx (orgdir, oxigraph) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for mode in ("distinct", "repeated"):
    for c in (1, 8, 32):
        o, x = rows[(mode, c, "orgdir")], rows[(mode, c, "oxigraph")]
        print(f"| {mode} | {c} | {o[0]:.1f} | {x[0]:.1f} | {o[0]/x[0]:.2f}x | {o[1]:.1f} / {o[2]:.1f} | {x[1]:.1f} / {x[2]:.1f} | {o[3]}, {x[3]} |")
print(f"\nstart to first answer: orgdir {org_first:.2f} s (verdict remembered), oxigraph (load + serve) {ox_first:.2f} s: ratio {org_first/ox_first:.2f}")
print(f"orgdir cold (never validated: validates, then serves) {org_cold:.2f} s: ratio {org_cold/ox_first:.2f}")
PY
