#!/usr/bin/env bash
# Compares `orgdir build` with linkml-convert and with the floor (`oxigraph
# convert`, N-Triples to Turtle: pure RDF parsing and writing) on N synthetic
# records, side by side: each run times the three in turn, so load on this
# shared machine hits all of them alike. Reports medians of wall time and peak
# memory, and the ratios.
#
#   bench/build.sh N [RUNS]        (RUNS defaults to 3)
#
# Needs: pip install linkml oxigraph. linkml-convert is skipped above
# N = $LINKML_MAX (default 20000): it takes minutes there.
set -euo pipefail
N=${1:?usage: bench/build.sh N [RUNS]}
RUNS=${2:-3}
LINKML_MAX=${LINKML_MAX:-20000}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/orgdir-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

cd "$root"
cargo build --release --quiet --bin orgdir --example synth
orgdir=$root/target/release/orgdir
"$root/target/release/examples/synth" "$N" "$work/data"
"$orgdir" -q --data "$work/data" build --out "$work/reference"   # the floor's input
use_linkml=0
if [ "$N" -le "$LINKML_MAX" ]; then
  use_linkml=1
  python3 "$root/bench/linkml/container.py" "$work/data" "$work/linkml.yaml"
fi

measure() { # name, command...: appends "name seconds max_rss_kb" to $work/times
  local name=$1; shift
  /usr/bin/time -f "$name %e %M" -a -o "$work/times" "$@" >/dev/null 2>"$work/$name.err" ||
    { echo "$name failed:"; cat "$work/$name.err"; exit 1; }
}

for run in $(seq "$RUNS"); do
  measure orgdir "$orgdir" -q --data "$work/data" build --out "$work/out"
  [ $use_linkml = 1 ] && measure linkml linkml-convert -s "$root/bench/linkml/orgdir.yaml" \
    -C Directory -t ttl "$work/linkml.yaml" -o "$work/linkml.ttl"
  measure floor oxigraph convert --from-file "$work/reference/orgs.nt" --to-file "$work/floor.ttl"
done

triples=$(wc -l < "$work/reference/orgs.nt")
python3 - "$work/times" "$N" "$RUNS" "$triples" <<'PY'
import statistics, sys
path, n, runs, triples = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
rows = {}
for line in open(path):
    name, secs, kb = line.split()
    rows.setdefault(name, []).append((float(secs), int(kb)))
med = {k: (statistics.median(s for s, _ in v), statistics.median(m for _, m in v)) for k, v in rows.items()}
print(f"N = {n:,} records ({triples:,} triples in orgs.nt), median of {runs} runs\n")
print("| tool | wall time (s) | peak memory (MB) | time vs orgdir |")
print("|---|---:|---:|---:|")
label = {"orgdir": "orgdir build (all dumps, VoID, hashes)",
         "linkml": "linkml-convert (Turtle only)",
         "floor": "floor: oxigraph convert nt -> ttl"}
for k in ("orgdir", "linkml", "floor"):
    if k in med:
        s, kb = med[k]
        print(f"| {label[k]} | {s:.2f} | {kb/1024:.0f} | {s/med['orgdir'][0]:.2f}x |")
print()
if "linkml" in med:
    print(f"orgdir is {med['linkml'][0]/med['orgdir'][0]:.0f} times faster than linkml-convert")
print(f"orgdir takes {med['orgdir'][0]/med['floor'][0]:.2f} times the floor's wall time")
PY
