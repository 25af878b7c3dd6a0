#!/usr/bin/env bash
# Keeping up with the releases: the change stream (/ldes) against downloading
# every release dump in full. N synthetic records, RELEASES releases, PERCENT
# of the records changed (their description revised) in each release after
# the first. A harvester holds the first release; it catches up to the last
#   - through the stream: the npm ldes-client 0.3.0 (rdf-connect's) with the
#     state it saved after the first release, which fetches /ldes, then the
#     nodes and pages of the releases it has not seen, and emits their members;
#   - through the dumps: curl fetching orgs.nt of every later release from
#     /dumps/releases/VERSION/orgs.nt (what a harvester without the stream or
#     the change lists must do: then diff them itself, not timed here).
# Both from the same `orgdir serve --releases` on 127.0.0.1, one after the
# other, ROUNDS times (default 3; the stream's state copied fresh each time),
# medians. Reports bytes transferred (the stream's pages as served with gzip,
# measured by curl --compressed; release dumps are served uncompressed) and
# seconds, and their ratios.
#
#   [ROUNDS=3] bench/ldes.sh [N] [RELEASES] [PERCENT]   (defaults 100000 10 1)
#
# Needs: node and npm (the client is installed into the work directory).
set -euo pipefail
N=${1:-100000}
RELEASES=${2:-10}
PERCENT=${3:-1}
ROUNDS=${ROUNDS:-3}
. "$(dirname "$0")/lib.sh" ldes

synthetic_data "$N"
npm install --prefix "$work/client" --no-audit --no-fund --loglevel=error ldes-client@0.3.0 >/dev/null
client=$work/client/node_modules/.bin/ldes-client
PORT=17895
releases=$work/releases

# release K: builds release rK, dated K days after 2026-01-01.
release() {
  local date
  date=$(date -u -d "2026-01-01 + $(($1 - 1)) days" +%F)
  "$orgdir" -q --data "$work/data" build --out "$releases" --release "r$1" --release-date "$date"
}
# revise K: revises the description of PERCENT% of the records (the same
# choice for the same K).
revise() {
  python3 - "$work/data" "$1" "$N" "$PERCENT" <<'PY'
import pathlib, random, re, sys
data, k, n, percent = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
chosen = {f"org-{i}" for i in random.Random(k).sample(range(n), int(n * percent / 100))}
for path in sorted(data.glob("orgs-*.yaml")):
    out, current = [], None
    for line in path.read_text().splitlines(keepends=True):
        m = re.match(r"- id: (\S+)", line)
        if m:
            current = m.group(1)
        if current in chosen and line.startswith("  description: \""):
            line = line.rstrip("\n")[:-1] + f" Revised in release {k}.\"\n"
        out.append(line)
    path.write_text("".join(out))
PY
}

release 1
"$orgdir" --data "$work/data" serve --queries "$work/empty-queries" --no-search \
  --releases "$releases" --addr 127.0.0.1:$PORT 2> "$work/serve.log" & pids+=($!)
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/health"; do sleep 0.1; done
"$client" "http://127.0.0.1:$PORT/ldes" --save "$work/held" -q 2> "$work/client.log"
for k in $(seq 2 "$RELEASES"); do revise "$k"; release "$k"; done

stream_s=() dumps_s=() members=0
for round in $(seq "$ROUNDS"); do
  rm -rf "$work/state" && cp -r "$work/held" "$work/state"
  started=$(date +%s.%N)
  "$client" "http://127.0.0.1:$PORT/ldes" --save "$work/state" > "$work/members.nq" 2>> "$work/client.log"
  stream_s+=("$(echo "$(date +%s.%N) - $started" | bc)")
  members=$(grep -c '<http://purl.org/dc/terms/isVersionOf>' "$work/members.nq" || true)
  started=$(date +%s.%N)
  for k in $(seq 2 "$RELEASES"); do
    curl -sf -o "$work/orgs-$k.nt" "http://127.0.0.1:$PORT/dumps/releases/r$k/orgs.nt"
  done
  dumps_s+=("$(echo "$(date +%s.%N) - $started" | bc)")
done
median() { tr ' ' '\n' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
stream_med=$(median <<<"${stream_s[*]}")
dumps_med=$(median <<<"${dumps_s[*]}")
# What each way transfers: the root, then the later releases' nodes and pages;
# or their orgs.nt.
stream_bytes=$(curl -s "http://127.0.0.1:$PORT/ldes" | wc -c)
dump_bytes=0
stream_raw=$stream_bytes
for k in $(seq 2 "$RELEASES"); do
  stream_raw=$((stream_raw + $(cat "$releases/r$k"/ldes/*.trig | wc -c)))
  # As sent to a client that accepts gzip (ldes-client's fetch does).
  for f in "$releases/r$k"/ldes/*.trig; do
    n=$(basename "$f" .trig); [ "$n" = node ] && path="r$k" || path="r$k/$n"
    stream_bytes=$((stream_bytes + $(curl -s --compressed -o /dev/null -w '%{size_download}' "http://127.0.0.1:$PORT/ldes/$path")))
  done
  dump_bytes=$((dump_bytes + $(wc -c < "$releases/r$k/orgs.nt")))
done
first_pages=$(cat "$releases"/r1/ldes/*.trig | wc -c)
expected=$(( (RELEASES - 1) * (N * ${PERCENT%.*} / 100) ))

python3 - "$N" "$RELEASES" "$PERCENT" "$ROUNDS" "$members" "$expected" "$stream_bytes" "$dump_bytes" \
  "$stream_med" "$dumps_med" "$first_pages" "${stream_s[*]}" "${dumps_s[*]}" "$stream_raw" <<'PY'
import sys
n, releases, percent, rounds, members, expected = sys.argv[1:7]
stream_b, dump_b = int(sys.argv[7]), int(sys.argv[8])
stream_s, dumps_s, first = float(sys.argv[9]), float(sys.argv[10]), int(sys.argv[11])
mib = lambda b: b / (1 << 20)
print(f"{n} records, {releases} releases, {percent}% changed in each; catching up from the first "
      f"release, medians of {rounds} rounds (stream: {sys.argv[12]} s; dumps: {sys.argv[13]} s)")
print(f"members emitted by the client: {members} (records changed in releases 2..{releases}: {expected})")
print("| way | transferred | seconds |")
print("|---|---:|---:|")
print(f"| the stream (ldes-client, saved state; gzip) | {mib(stream_b):.1f} MiB | {stream_s:.2f} |")
print(f"| every later dump (curl, orgs.nt) | {mib(dump_b):.1f} MiB | {dumps_s:.2f} |")
print(f"| ratio, stream / dumps | {stream_b / dump_b:.3f} | {stream_s / dumps_s:.2f} |")
print(f"the stream's files uncompressed: {mib(int(sys.argv[14])):.1f} MiB; "
      f"the first release's pages (every record once): {mib(first):.1f} MiB")
PY
