#!/usr/bin/env bash
# Compares `orgdir validate` with pySHACL, pyshacl-turbo and pyrudof on N
# synthetic records against shapes/ (SHACL Core and SHACL-SPARQL), side by side:
# each run times the tools in turn, so load on this shared machine hits all of
# them alike. Reports medians of wall time and peak memory, the ratios, and
# whether each tool finds the same results on a variant with planted errors.
#
#   bench/validate.sh N [RUNS]        (RUNS defaults to 3)
#
# orgdir reads the YAML (load + map + validate + locate every result in the
# YAML); the peers read the same graph as Turtle and the same shapes.
# Needs: pip install pyshacl pyshacl-turbo pyrudof. A peer is stopped after
# PEER_TIMEOUT seconds (default 1800) and reported as such.
set -euo pipefail
N=${1:?usage: bench/validate.sh N [RUNS]}
RUNS=${2:-3}
PEER_TIMEOUT=${PEER_TIMEOUT:-1800}
PEERS=${PEERS:-"pyshacl pyshacl-turbo pyrudof"}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/orgdir-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

cd "$root"
cargo build --release --quiet --bin orgdir --example synth
orgdir=$root/target/release/orgdir
"$root/target/release/examples/synth" "$N" "$work/data"
cat "$root"/shapes/*.ttl > "$work/shapes.ttl"
mkdir -p "$work/shapes" && cp "$root"/shapes/*.ttl "$work/shapes/"

# The variant with planted errors: the same records plus eight broken ones.
cp -r "$work/data" "$work/planted"
cat > "$work/planted/planted.yaml" <<'YAML'
- {id: bad-name, name: "", description: d, url: "https://bad.example.org/1", category: national}
- {id: bad-url, name: U, description: d, url: "ftp://bad.example.org/2", category: national}
- {id: bad-ref, name: R, description: d, url: "https://bad.example.org/3", category: national, memberOf: [nobody-here]}
- {id: bad-self, name: S, description: d, url: "https://bad.example.org/4", category: national, memberOf: [bad-self]}
- {id: bad-cycle-a, name: A, description: d, url: "https://bad.example.org/5", category: national, memberOf: [bad-cycle-b]}
- {id: bad-cycle-b, name: B, description: d, url: "https://bad.example.org/6", category: national, parentOrganization: bad-cycle-a}
- {id: bad-dates, name: D, description: d, url: "https://bad.example.org/7", category: national, foundingDate: 1990, dissolutionDate: 1980}
- {id: bad-role, name: O, description: d, url: "https://bad.example.org/8", category: national, foundingDate: 1990, memberOf: [{id: org-0, startDate: 1980}]}
- {id: no-url, name: W, description: d, category: national}
YAML
# The peers' Turtle: `orgdir query` loads without validating.
for set in data planted; do
  "$orgdir" -q --data "$work/$set" query --format table \
    -e 'CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }' > "$work/$set.ttl"
done

measure() { # name, command...: appends "name seconds max_rss_kb" to $work/times
  local name=$1; shift
  if timeout "$PEER_TIMEOUT" /usr/bin/time -f "$name %e %M" -a -o "$work/times" "$@" \
      >/dev/null 2>"$work/$name.err"; then
    return 0
  fi
  local code=$?
  if [ $code = 124 ]; then echo "$name TIMEOUT 0" >> "$work/times"; return 0; fi
  # orgdir exits 1 when it finds violations: that is a result, not a failure.
  if [ "$name" = orgdir ] && [ $code = 1 ]; then return 0; fi
  echo "$name failed ($code):"; cat "$work/$name.err"; exit 1
}

for run in $(seq "$RUNS"); do
  measure orgdir "$orgdir" --data "$work/data" --shapes "$work/shapes" validate --format json
  for peer in $PEERS; do
    measure "$peer" python3 "$root/bench/validate/peer.py" "$peer" "$work/data.ttl" \
      "$work/shapes.ttl" "$work/$peer.json"
  done
done

echo "## bench/validate.sh $N $RUNS ($(date -u +%Y-%m-%d), $(nproc) cores)"
echo
echo "| tool | wall time (s) | peak memory (MB) | time vs orgdir |"
echo "|---|---:|---:|---:|"
python3 - "$work/times" "$PEERS" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, secs, kb = line.split()
    rows.setdefault(name, []).append((secs, int(kb)))
def median(name):
    vals = [float(s) for s, _ in rows[name] if s != "TIMEOUT"]
    return statistics.median(vals) if len(vals) == len(rows[name]) else None
base = median("orgdir")
for name in ["orgdir"] + sys.argv[2].split():
    if name not in rows:
        continue
    t = median(name)
    mem = statistics.median(kb for _, kb in rows[name]) / 1024
    if t is None:
        print(f"| {name} | over the time limit | - | - |")
    else:
        print(f"| {name} | {t:.2f} | {mem:.0f} | {t / base:.1f}x |")
PY

echo
echo "Planted errors (8 violations, 1 warning, in 9 extra records):"
"$orgdir" --data "$work/planted" --shapes "$work/shapes" validate --format json \
  | python3 "$root/bench/validate/orgdir.py" "$work/orgdir-planted.json" || true
for peer in $PEERS; do
  timeout "$PEER_TIMEOUT" python3 "$root/bench/validate/peer.py" "$peer" "$work/planted.ttl" \
    "$work/shapes.ttl" "$work/$peer-planted.json" 2>/dev/null || echo "[]" > "$work/$peer-planted.json"
done
python3 - "$work" "$PEERS" <<'PY'
import json, sys
work, peers = sys.argv[1], sys.argv[2].split()
mine = {tuple(x) for x in json.load(open(f"{work}/orgdir-planted.json"))}
print(f"- orgdir: {sum(1 for x in mine if x[2] == 'Violation')} violations, "
      f"{sum(1 for x in mine if x[2] == 'Warning')} warnings")
for peer in peers:
    theirs = {tuple(x) for x in json.load(open(f"{work}/{peer}-planted.json"))}
    if theirs == mine:
        print(f"- {peer}: the same {len(theirs)} results")
    else:
        print(f"- {peer}: {len(theirs)} results; only orgdir: {sorted(mine - theirs)}; "
              f"only {peer}: {sorted(theirs - mine)}")
PY

# The text report of one violation per record (every url made ftp://).
cp -r "$work/data" "$work/ftp"
sed -i 's|  url: http://|  url: ftp://|' "$work"/ftp/orgs-*.yaml
"$orgdir" -v --data "$work/ftp" --shapes "$work/shapes" validate > "$work/ftp.txt" 2> "$work/ftp.err" || true
echo
echo "Text report with one violation per record: $(tail -1 "$work/ftp.err" | sed 's/^orgdir: //')"
