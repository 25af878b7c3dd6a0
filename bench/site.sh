#!/usr/bin/env bash
# Organization pages per second: `orgdir serve`'s /org/<id> in HTML and in
# Turtle against `oxigraph serve-read-only` (PyPI oxigraph) answering
# `DESCRIBE <iri>` in Turtle, side by side in one run on N synthetic records,
# a random organization at every request (bench/site/pages.lua), wrk at
# concurrency 8 on 127.0.0.1. orgdir runs twice: with its default 64 MiB
# cache (at large N most pages miss it) and with --cache-size 0.
#
#   bench/site.sh N [SECONDS]        (SECONDS per wrk run, default 10)
#
# Needs: apt-get install wrk; pip install oxigraph.
set -euo pipefail
N=${1:?usage: bench/site.sh N [SECONDS]}
SECONDS_PER_RUN=${2:-10}
C=8
. "$(dirname "$0")/lib.sh" site

synthetic_data "$N"
ORG_PORT=17880 NOCACHE_PORT=17881 OX_PORT=17882

wait_for() { until curl -sf -o /dev/null "$1"; do sleep 0.1; done; }

"$orgdir" -q --data "$work/data" serve --queries "$work/empty-queries" --addr 127.0.0.1:$ORG_PORT & pids+=($!)
"$orgdir" -q --data "$work/data" serve --queries "$work/empty-queries" --addr 127.0.0.1:$NOCACHE_PORT \
  --cache-size 0 & pids+=($!)
oxigraph load --location "$work/ox" --file "$work/dist/orgs.nt" >/dev/null 2>&1
oxigraph serve-read-only --location "$work/ox" --bind 127.0.0.1:$OX_PORT >/dev/null 2>&1 & pids+=($!)
wait_for "http://127.0.0.1:$ORG_PORT/org/org-0"
wait_for "http://127.0.0.1:$NOCACHE_PORT/org/org-0"
wait_for "http://127.0.0.1:$OX_PORT/query?query=ASK%7B%7D"

results=$work/results.txt
run() { # label, port, mode
  local out
  out=$(MODE=$3 RECORDS=$N wrk -t 2 -c $C -d "${SECONDS_PER_RUN}s" --latency \
    -s "$root/bench/site/pages.lua" "http://127.0.0.1:$2")
  echo "$1 $(echo "$out" | awk '/Requests\/sec/ {print $2}') \
$(echo "$out" | awk '$1 == "50%" {print $2}') $(echo "$out" | awk '$1 == "99%" {print $2}') \
$(echo "$out" | awk '/Non-2xx/ {print $5}' | grep . || echo 0)" >> "$results"
}
run oxigraph-describe-turtle $OX_PORT describe
run orgdir-turtle $ORG_PORT turtle
run orgdir-html $ORG_PORT html
run orgdir-nocache-turtle $NOCACHE_PORT turtle
run orgdir-nocache-html $NOCACHE_PORT html

python3 - "$results" "$N" "$SECONDS_PER_RUN" "$C" <<'PY'
import sys
path, n, secs, c = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def ms(v):
    for unit, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if v.endswith(unit) and not (unit == "s" and v.endswith(("us", "ms"))):
            return float(v[: -len(unit)]) * f
    return float(v)
rows = {}
for line in open(path):
    label, rps, p50, p99, errors = line.split()
    rows[label] = (float(rps), ms(p50), ms(p99), int(errors))
ox = rows["oxigraph-describe-turtle"][0]
print(f"N = {n:,} records, a random organization per request, wrk {secs} s at concurrency {c}\n")
print("| server, representation | req/s | ratio to oxigraph DESCRIBE | p50 / p99 (ms) | non-2xx |")
print("|---|---:|---:|---:|---:|")
for label in ("oxigraph-describe-turtle", "orgdir-turtle", "orgdir-html", "orgdir-nocache-turtle", "orgdir-nocache-html"):
    r = rows[label]
    print(f"| {label} | {r[0]:.0f} | {r[0]/ox:.2f}x | {r[1]:.2f} / {r[2]:.2f} | {r[3]} |")
PY
