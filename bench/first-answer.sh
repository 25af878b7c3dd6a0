#!/usr/bin/env bash
# Time from starting `orgdir serve` on DATA to its first SPARQL answer (`ASK {}`,
# polled every 50 ms on 127.0.0.1), with the release build.
#
#   bench/first-answer.sh DATA [extra serve arguments]
set -euo pipefail
data=${1:?usage: bench/first-answer.sh DATA [serve arguments]}; shift
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --bin orgdir --manifest-path "$root/Cargo.toml"
port=${PORT:-7979}
start=$(date +%s.%N)
"$root/target/release/orgdir" -q --data "$data" serve --addr "127.0.0.1:$port" "$@" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$port/sparql?query=ASK%7B%7D"; do
  kill -0 $pid 2>/dev/null || { echo "orgdir serve exited"; exit 1; }
  sleep 0.05
done
end=$(date +%s.%N)
echo "first answer after $(echo "$end - $start" | bc) s"
