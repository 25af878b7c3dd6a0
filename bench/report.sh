#!/usr/bin/env bash
# How long `orgdir validate` takes to write its report of N results, by
# format (issue 20's target: under 0.2 s at 100,000): N synthetic records
# without their descriptions, so each is one warning (sh:minCount of
# schema:description), validated RUNS times per format with the verdict
# cache off; the figure is `-v`'s "report" step (writing only, the
# validation excluded), median of the runs, and the report's size.
#
#   bench/report.sh [N] [RUNS]        (defaults: 100000 3)
set -euo pipefail
N=${1:-100000}
RUNS=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/orgdir-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$root"
cargo build --release --quiet --locked --bin orgdir --example synth
"$root/target/release/examples/synth" "$N" "$work/data" >/dev/null
sed -i '/^  description:/d' "$work"/data/*.yaml

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
printf '%-7s %9s %12s %12s\n' format results "report (s)" bytes
for format in text json sarif turtle; do
  times=()
  for _ in $(seq "$RUNS"); do
    ORGDIR_CACHE_DIR= "$root/target/release/orgdir" --data "$work/data" -v validate \
      --format "$format" >"$work/report" 2>"$work/err" || true
    line=$(grep -o 'report ([0-9]* results) [0-9.]* s' "$work/err")
    times+=("$(awk '{ print $(NF - 1) }' <<<"$line")")
    results=$(grep -o '([0-9]* results)' <<<"$line" | tr -dc 0-9)
  done
  printf '%-7s %9s %12s %12s\n' "$format" "$results" \
    "$(printf '%s\n' "${times[@]}" | median)" "$(wc -c <"$work/report")"
done
