#!/usr/bin/env bash
# Does a Virtuoso keep every triple of a publish while other clients write?
# Not a speed benchmark: a reproduction, kept for the figures it gives in
# README ("Into Virtuoso") and the reason .ci/run runs the Virtuoso tests one
# at a time.
#
#   bench/virtuoso-concurrent.sh [RUNS] [METHODS]
#
# Starts a fresh Virtuoso (Debian's virtuoso-opensource, .ci/virtuoso.sh) on
# 127.0.0.1; loops three publishes of a 2,000-record synthetic directory
# (29,743 triples: --method update, gsp-batches and gsp, each into its own
# graph) in the background; meanwhile publishes the 63-triple test fixture
# RUNS times (default 80) with each of METHODS (default "update gsp
# gsp-batches"), --batch-size 10 --verify, into a graph of its own, and
# counts the runs orgdir failed because the graph read back was short.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-80}
methods=${2:-update gsp gsp-batches}

cargo build --release --locked --bin orgdir --example synth >/dev/null 2>&1
bin=$PWD/target/release/orgdir
work=$(mktemp -d)
. .ci/virtuoso.sh
virtuoso_start "$work/virtuoso"
trap 'touch "$work/stop"; wait 2>/dev/null; virtuoso_stop; rm -rf "$work"' EXIT
target/release/examples/synth 2000 "$work/big" >/dev/null

export ORGDIR_BENCH_PASSWORD=dba
publish() {
  "$bin" --data "$1" -q publish --store-kind virtuoso --endpoint "$virtuoso_http" \
    --user dba --password-env ORGDIR_BENCH_PASSWORD "${@:2}"
}
for method in update gsp-batches gsp; do
  (while [ ! -e "$work/stop" ]; do
    publish "$work/big" --method "$method" --graph "urn:bench:background-$method" --timeout 300 >/dev/null 2>&1 || true
  done) &
done
sleep 3

printf '%-12s %6s %6s  %s\n' method runs short "triples missing, each short run"
for method in $methods; do
  short=0 missing=""
  for _ in $(seq "$runs"); do
    if ! out=$(publish tests/fixtures/valid/data --method "$method" --graph "urn:bench:fixture-$method" \
      --batch-size 10 --verify 2>&1); then
      if n=$(grep -o '([0-9]* missing)' <<<"$out" | grep -o '[0-9]*'); then
        short=$((short + 1)) missing="$missing $n"
      else
        echo "$method: $(tail -1 <<<"$out")" >&2
      fi
    fi
  done
  printf '%-12s %6s %6s  %s\n' "$method" "$runs" "$short" "${missing:- -}"
done
