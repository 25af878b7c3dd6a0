#!/usr/bin/env bash
# Find and match: orgdir's /reconcile and /suggest on N synthetic records with
# real names (`synth --real-names`: seven languages, five scripts), side by side
# with what catalogers use today, a SPARQL lookup (CONTAINS over the names and
# alternate names, case folded) through Oxigraph server (PyPI oxigraph) on the
# same data. Reports
# - orgdir serve's start-up (until /health answers 200) with the name index
#   and without it (`--no-search`), ROUNDS times each in turn (default 3,
#   after one start to warm the page cache), medians: the difference is what
#   the index costs start-up; the index's build time in serve (its log line:
#   built alongside validation and the store load, on the same cores) and
#   alone (examples/index_build.rs on the same data, nothing else running),
#   its size (tantivy's files, and what it holds besides), and the server's
#   resident memory with the index and without;
# - precision at 1 of the gold queries of each category, and of match: true;
# - batches of 10 queries at CONCURRENCY clients for SECONDS: p50, p99,
#   queries/s (for the lookup, a batch is its 10 queries one after another);
#   and orgdir's batches offered at 300 queries/s (30 batches a second, an
#   open loop: each latency counted from when its batch was due);
# - /suggest for the names typed but for their last three characters.
# The raw figures are kept in target/reconcile-bench.json.
#
#   [ROUNDS=3] bench/reconcile.sh [N] [SECONDS] [CONCURRENCY]   (defaults 100000 20 4)
#
# Needs: pip install oxigraph==0.5.13.
set -euo pipefail
N=${1:-100000}
SECONDS_PER_RUN=${2:-20}
CONCURRENCY=${3:-4}
ROUNDS=${ROUNDS:-3}
. "$(dirname "$0")/lib.sh" reconcile

SYNTH_ARGS=--real-names synthetic_data "$N"
cargo build --release --quiet --example reconcile_bench --example index_build
bench=$root/target/release/examples/reconcile_bench
alone=$("$root/target/release/examples/index_build" "$work/data")
alone_s=$(sed 's/.*whole index \([0-9.]*\) s.*/\1/' <<<"$alone")
ORG_PORT=17891 OX_PORT=17892

# start [FLAG...]: starts orgdir serve (log in $work/serve.log), waits for
# /health; sets org (its pid), startup (seconds) and rss_mib.
start() {
  local started ready
  started=$(date +%s.%N)
  "$orgdir" --data "$work/data" serve --queries "$work/empty-queries" \
    --addr 127.0.0.1:$ORG_PORT "$@" 2> "$work/serve.log" & org=$!; pids+=($org)
  until curl -sf -o /dev/null "http://127.0.0.1:$ORG_PORT/health"; do sleep 0.02; done
  ready=$(date +%s.%N)
  startup=$(echo "$ready - $started" | bc)
  rss_mib=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' /proc/$org/status)
}
stop() { kill "$org"; wait "$org" 2>/dev/null || true; }
median() { tr ' ' '\n' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

start --no-search; stop
with=() without=() lines=()
for round in $(seq "$ROUNDS"); do
  start --no-search; without+=("$startup"); rss_without=$rss_mib; stop
  start; with+=("$startup")
  lines+=("$(sed -n 's/.*name index ready.*seconds="\([0-9.]*\)".*/\1/p' "$work/serve.log")")
  [ "$round" = "$ROUNDS" ] || stop
done
startup=$(median <<<"${with[*]}")
startup_without=$(median <<<"${without[*]}")
index_s=$(median <<<"${lines[*]}")
line=$(grep 'name index ready' "$work/serve.log")
index_mib=$(sed 's/.*index_mib="\([0-9.]*\)".*/\1/' <<<"$line")
memory_mib=$(sed 's/.*memory_mib="\([0-9.]*\)".*/\1/' <<<"$line")
echo "start-up with the index: ${with[*]} s; without: ${without[*]} s; the index's log line: ${lines[*]} s"

oxigraph load --location "$work/ox" --file "$work/dist/orgs.nt" >/dev/null 2>&1
oxigraph serve-read-only --location "$work/ox" --bind 127.0.0.1:$OX_PORT >/dev/null 2>&1 & ox=$!; pids+=($ox)
until curl -sf -o /dev/null "http://127.0.0.1:$OX_PORT/query?query=ASK%7B%7D"; do sleep 0.1; done

out=$("$bench" "$N" "http://127.0.0.1:$ORG_PORT" "http://127.0.0.1:$OX_PORT/query" "$SECONDS_PER_RUN" "$CONCURRENCY")
echo "$out" > "$root/target/reconcile-bench.json"
python3 - "$out" "$N" "$startup" "$startup_without" "$ROUNDS" "$index_s" "$alone_s" "$index_mib" "$memory_mib" "$rss_mib" "$rss_without" "$CONCURRENCY" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
n, startup, without, rounds, index_s, alone_s, index_mib, memory_mib, rss, rss_without, conc = sys.argv[2:]
startup, without, index_s, alone_s = float(startup), float(without), float(index_s), float(alone_s)
print(f"{int(n):,} organizations; orgdir serve start-up (median of {rounds}) {startup:.2f} s with the "
      f"name index, {without:.2f} s without (--no-search): the index costs start-up "
      f"{startup - without:.2f} s ({100 * (startup - without) / startup:.1f}%). Built in serve alongside "
      f"validation and the store load in {index_s:.2f} s ({100 * index_s / startup:.0f}% of start-up), "
      f"alone in {alone_s:.2f} s ({100 * alone_s / startup:.0f}%); {index_mib} MiB of tantivy files and "
      f"{memory_mib} MiB besides; server resident {rss} MiB with the index, {rss_without} MiB without")
print()
print("| category | queries | P@1 orgdir | match: true claimed | right | SPARQL lookup: queries | P@1 |")
print("|---|---:|---:|---:|---:|---:|---:|")
for cat, o in r["orgdir"]["precision"].items():
    s = r["sparql"]["precision"][cat]
    print(f"| {cat} | {o['queries']} | {o['p_at_1']:.3f} | {o['matched']} | {o['matched_right']} | {s['queries']} | {s['p_at_1']:.3f} |")
print()
print(f"| {conc} clients | p50 ms | p99 ms | queries/s | errors |")
print("|---|---:|---:|---:|---:|")
for name, v in [("orgdir /reconcile, batches of 10", r["orgdir"]["batch_of_10"]),
                ("orgdir /reconcile, batches of 10 offered at 300 queries/s", r["orgdir"]["batch_of_10_at_300_per_s"]),
                ("SPARQL lookup, 10 queries in turn", r["sparql"]["batch_of_10"]),
                ("orgdir /suggest", r["orgdir"]["suggest"])]:
    print(f"| {name} | {v['p50_ms']:.1f} | {v['p99_ms']:.1f} | {v['queries_per_s']:.0f} | {v['errors']} |")
o, s = r["orgdir"]["batch_of_10"], r["sparql"]["batch_of_10"]
print()
print(f"ratios, orgdir / SPARQL lookup: queries/s {o['queries_per_s'] / max(s['queries_per_s'], 1e-9):.1f}x, "
      f"batch p99 {o['p99_ms'] / max(s['p99_ms'], 1e-9):.3f}")
PY
