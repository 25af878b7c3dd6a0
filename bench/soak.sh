#!/usr/bin/env bash
# Soak: `orgdir serve` and `oxigraph serve-read-only` (PyPI oxigraph, with its
# --timeout-s) on the same N synthetic records, side by side in one run.
# For each server: SECONDS of bench/serve's four-query mix at concurrency 64
# (examples/soak.rs, 64 clients each with its own X-Forwarded-For), first
# alone (the baseline) and then with 5% of the requests runaway queries; the
# plain queries' whole answers a second, p50 and p99 and errors (a 200 whose
# body is not a whole results document is an error, "200, cut": Oxigraph
# server answers a query it cancels so), the CPU the server spends
# in the 10 s after the load stops, and its peak memory (VmHWM). Both servers
# cancel queries at 2 s; orgdir trusts X-Forwarded-For (as behind a proxy),
# so each client has its own fair-use share. Each server runs under
# `ulimit -v 16 GiB`, so one that does not stop its queries cannot take the
# machine down.
#
#   bench/soak.sh N [SECONDS]        (default 60)
#   SOAK_SERVERS=orgdir SOAK_ORGDIR_ARGS='--concurrent-queries 4' bench/soak.sh N [SECONDS]
#                                    (orgdir alone, with options, while tuning)
#
# Needs: pip install oxigraph==0.5.13.
set -euo pipefail
N=${1:?usage: bench/soak.sh N [SECONDS]}
SECONDS_PER_RUN=${2:-60}
. "$(dirname "$0")/lib.sh" soak

synthetic_data "$N"
cargo build --release --quiet --example soak
soak=$root/target/release/examples/soak
base=https://synth.example.org/
ORG_PORT=17881 OX_PORT=17882

# user + system ticks, and the peak resident KiB; -1 once the server has died
# (Oxigraph server aborted at the 16 GiB limit in a 100,000-record run).
cpu() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo -1; }
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo -1; }

( ulimit -v $((16 << 20)); exec "$orgdir" -q --data "$work/data" serve --queries "$work/empty-queries" \
  --addr 127.0.0.1:$ORG_PORT --query-timeout 2 --trust-forwarded-for ${SOAK_ORGDIR_ARGS:-} ) & org=$!; pids+=($org)
oxigraph load --location "$work/ox" --file "$work/dist/orgs.nt" >/dev/null 2>&1
( ulimit -v $((16 << 20)); exec oxigraph serve-read-only --location "$work/ox" \
  --bind 127.0.0.1:$OX_PORT --timeout-s 2 >/dev/null 2>&1 ) & ox=$!; pids+=($ox)
for url in "http://127.0.0.1:$ORG_PORT/sparql" "http://127.0.0.1:$OX_PORT/query"; do
  until curl -sf -o /dev/null "$url?query=ASK%7B%7D"; do sleep 0.1; done
done

results=$work/results.txt
for server in ${SOAK_SERVERS:-orgdir oxigraph}; do
  if [ $server = orgdir ]; then pid=$org url=http://127.0.0.1:$ORG_PORT/sparql
  else pid=$ox url=http://127.0.0.1:$OX_PORT/query; fi
  for share in 0 0.05; do
    if [ "$(cpu $pid)" = -1 ]; then echo "$server $share -1 died -1 {}" >> "$results"; continue; fi
    out=$("$soak" "$url" "$SECONDS_PER_RUN" 64 "$share" "$base")
    # CPU in the 10 s after the load stops, and when it went quiet (the
    # first 0.5 s with under 0.05 s of CPU).
    before=$(cpu $pid); quiet=""
    for i in $(seq 20); do
      a=$(cpu $pid); sleep 0.5; b=$(cpu $pid)
      if [ -z "$quiet" ] && [ $((b - a)) -lt 5 ]; then quiet=$(echo "scale=1; ($i - 1) / 2" | bc); fi
    done
    after=$(cpu $pid)
    if [ "$after" = -1 ]; then quiet=died; fi
    echo "$server $share $(( after - before )) ${quiet:-10+} $(hwm $pid) $out" >> "$results"
  done
done

python3 - "$results" "$N" "$SECONDS_PER_RUN" <<'PY'
import json, sys
path, n, secs = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = {}
for line in open(path):
    server, share, ticks, quiet, hwm, out = line.split(" ", 5)
    out = json.loads(out)
    if not out:  # the server had died before this run
        out = {k: {"per_s": 0, "p50_ms": 0, "p99_ms": 0, "errors": 0, "statuses": {}} for k in ("plain", "runaway")}
    rows[(server, share)] = (max(int(ticks), -1) / 100, quiet, max(int(hwm), 0) / 1024, out)
print(f"N = {n:,} records, {secs} s per run at concurrency 64, bench/serve's four-query mix; "
      "with runaways: 5% of requests (examples/soak.rs), both servers cancelling at 2 s\n")
print("| server | runaways | plain answers/s | answers by query (count, regex, member, not exists) | plain p50 / p99 (ms) | plain errors | runaway answers | CPU in the 10 s after (s) | idle after (s) | peak memory (MB) |")
print("|---|---:|---:|---|---:|---:|---|---:|---:|---:|")
servers = [s for s in ("orgdir", "oxigraph") if (s, "0") in rows]
for server in servers:
    for share in ("0", "0.05"):
        cpu, quiet, mb, o = rows[(server, share)]
        p, r = o["plain"], o["runaway"]
        statuses = ", ".join(f"{k}: {v}" for k, v in r["statuses"].items()) or "-"
        failed = ", ".join(f"{k}: {v}" for k, v in p["statuses"].items() if k != "200")
        print(f"| {server} | {'5%' if share != '0' else 'none'} | {p['per_s']:.1f} | {' / '.join(map(str, p.get('answered', [])))} | {p['p50_ms']:.1f} / {p['p99_ms']:.1f} | "
              f"{p['errors']}{f' ({failed})' if failed else ''} | {statuses} | {cpu:.2f} | {quiet} | {mb:.0f} |")
o0, o5 = rows[("orgdir", "0")][3]["plain"], rows[("orgdir", "0.05")][3]["plain"]
if "oxigraph" not in servers:  # SOAK_SERVERS=orgdir, while tuning
    sys.exit()
x5 = rows[("oxigraph", "0.05")][3]["plain"]
print(f"\norgdir plain p99 with runaways / without: {o5['p99_ms'] / max(o0['p99_ms'], 0.001):.2f} (target at most 2)")
print(f"with runaways, orgdir / oxigraph: throughput {o5['per_s'] / max(x5['per_s'], 0.001):.2f}x, "
      f"p99 {o5['p99_ms'] / max(x5['p99_ms'], 0.001):.2f}x, "
      f"CPU after {rows[('orgdir', '0.05')][0]:.2f} s vs {rows[('oxigraph', '0.05')][0]:.2f} s, "
      "peak memory " + (f"{rows[('orgdir', '0.05')][2] / rows[('oxigraph', '0.05')][2]:.2f}x"
                        if rows[('oxigraph', '0.05')][2] > 0 else "- (Oxigraph server died)"))
PY
