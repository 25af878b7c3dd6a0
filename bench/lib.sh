# Sourced by the bench scripts: `. "$(dirname "$0")/lib.sh" NAME` sets `root`
# (the project), `work` (a fresh directory, removed at exit) and `pids` (the
# background processes to stop at exit: append with `pids+=($!)`).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/orgdir-bench-$1.XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# synthetic_data N: builds orgdir (release) and the generator, writes N
# synthetic records to $work/data and their dumps to $work/dist (validating
# them, so `orgdir serve` later finds the verdict remembered), and an empty
# $work/empty-queries; sets `orgdir` to the binary. SYNTH_ARGS go to the
# generator (`--real-names`).
synthetic_data() {
  cd "$root"
  cargo build --release --quiet --bin orgdir --example synth
  orgdir=$root/target/release/orgdir
  "$root/target/release/examples/synth" "$1" "$work/data" ${SYNTH_ARGS:-}
  "$orgdir" -q --data "$work/data" build --out "$work/dist"
  mkdir -p "$work/empty-queries"
}
