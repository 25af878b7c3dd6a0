# Sourced by the bench scripts: `. "$(dirname "$0")/lib.sh" NAME` sets `root`
# (the project), `work` (a fresh directory, removed at exit) and `pids` (the
# background processes to stop at exit: append with `pids+=($!)`).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/orgdir-bench-$1.XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
