#!/usr/bin/env bash
# How orgdir grows with the data: for each N, wall time and peak memory of
#   build            `orgdir build` (validation included: no remembered verdict)
#   validate         `orgdir validate` (always validates)
#   serve-first      `orgdir serve --store` on an empty store: start to first answer
#                    (loading into RocksDB and writing the dumps; the verdict of the
#                    build is remembered, so it does not validate again)
#   serve-restart    the same again on the built store: start to first answer
#   publish          `orgdir publish` (one Graph Store PUT, then the count) into a
#                    fresh `oxigraph serve`, beside its peer:
#   curl-put         `curl -T orgs.nt` (the build's dump) as the same PUT into a fresh
#                    server: the store's own Graph Store ingest, without orgdir
#   publish-batches  `orgdir publish --method gsp-batches --batch-size $BATCH` (a PUT
#                    and POSTs of BATCH triples, default 10000), beside its peer:
#   curl-batches     orgs.nt cut by `split -l $BATCH`, sent by curl as the same PUT
#                    and POSTs, one curl per request
#   oxigraph-load    `oxigraph load` of the same orgs.nt into a fresh store (bulk
#                    loader, no HTTP): the floor for getting the data into Oxigraph
# With STORES="virtuoso" (or "oxigraph virtuoso"), into a fresh Virtuoso 7 each
# (Debian's virtuoso-opensource, started by .ci/virtuoso.sh on a temporary database
# with VIRTUOSO_BUFFERS pages of cache, default 340000, the 4 GB row of its ini):
#   virtuoso-gsp      `orgdir publish --store-kind virtuoso` (one sized Graph Store PUT)
#   virtuoso-batches  the same with --method gsp-batches (the preset's 50,000 triples
#                     a request, two requests in flight)
#   virtuoso-batches-1  the same, one request in flight (--in-flight 1)
#   virtuoso-update   the same with --method update (INSERT DATA of 1,000 into a
#                     staging graph, then MOVE); UPDATE_MAX=N skips it above N records
#   virtuoso-bulk     Virtuoso's bulk loader on the build's orgs.nt, through isql-vt:
#                     ld_dir() and rdf_loader_run(), the floor
#   virtuoso-release  `orgdir publish --release` of a release built from the same data
#                     (the preset's method; nothing loaded or validated), beside
#   virtuoso-bulk-release  the bulk loader on that release's orgs.nt
# VIRTUOSO_METHODS picks among gsp, gsp-batches, gsp-batches-1, update and release
# (default all).
# and, per step, the ratio of each N's time to the previous N's (linear = the ratio
# of the Ns).
#
#   bench/scale.sh N...            e.g. bench/scale.sh 10000 100000 1000000
#
# Needs: pip install oxigraph (STORES=oxigraph, the default); apt-get install
# virtuoso-opensource (STORES=virtuoso). serve-first/serve-restart need orgdir built with
# `--features rocksdb` (this script builds it into $ROCKS_TARGET, default
# target/rocks; the first build takes about 20 minutes); SKIP_STORE=1 skips them.
# PUT_MAX=N skips publish and curl-put (one transaction of the whole graph, which
# Oxigraph server 0.5 holds in memory: at 1,000,000 records it was killed at 23 GB)
# above N records. The peak memory of the Oxigraph server during each publish and
# curl step is printed after the table.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench/scale.sh N..." >&2; exit 2; }
. "$(dirname "$0")/lib.sh" scale
cd "$root"
cargo build --release --quiet --bin orgdir --example synth
orgdir=$root/target/release/orgdir
rocks=""
if [ "${SKIP_STORE:-0}" != 1 ]; then
  CARGO_TARGET_DIR=${ROCKS_TARGET:-$root/target/rocks} \
    cargo build --release --quiet --features rocksdb --bin orgdir
  rocks=${ROCKS_TARGET:-$root/target/rocks}/release/orgdir
fi
# `build` and `validate` validate; `serve` and `publish` then find the verdict
# remembered (as they would after a build), so they measure loading and sending.
export ORGDIR_CACHE_DIR=$work/cache
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

measure() { # n, step, command...: appends "n step seconds max_rss_kb"
  local n=$1 step=$2; shift 2
  /usr/bin/time -f "$n $step %e %M" -a -o "$work/times" "$@" >/dev/null 2>"$work/$step.err" ||
    { echo "$step failed at N=$n:"; tail -20 "$work/$step.err"; exit 1; }
}

# serve_until_answer n step: starts `orgdir serve --store`, polls until it answers,
# records the time and the process's peak memory (VmHWM), stops it.
serve_until_answer() {
  local n=$1 step=$2 p start
  p=$(port)
  start=$(date +%s.%N)
  "$rocks" -q --data "$work/data-$n" serve --store "$work/store-$n" --queries "$work/empty-queries" \
    --addr "127.0.0.1:$p" 2>"$work/$step.err" &
  local pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$p/sparql?query=ASK%7B%7D"; do
    kill -0 "$pid" 2>/dev/null || { echo "serve failed at N=$n:"; tail "$work/$step.err"; exit 1; }
    sleep 0.05
  done
  local end hwm
  end=$(date +%s.%N)
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$n $step $(python3 -c "print(round($end - $start, 2))") $hwm" >> "$work/times"
}

# into_oxigraph n step command...: runs the command (with {port} replaced) against a
# fresh `oxigraph serve`, measured; records the server's peak memory (VmHWM).
into_oxigraph() {
  local n=$1 step=$2 p ox; shift 2
  p=$(port)
  oxigraph serve --location "$work/ox-$n" --bind "127.0.0.1:$p" 2>/dev/null &
  ox=$!; pids+=("$ox")
  until curl -sf -o /dev/null "http://127.0.0.1:$p/query?query=ASK%7B%7D"; do sleep 0.1; done
  measure "$n" "$step" "${@//\{port\}/$p}"
  echo "$n $step $(awk '/VmHWM/ {print $2}' "/proc/$ox/status")" >> "$work/store-peaks"
  kill "$ox"; wait "$ox" 2>/dev/null || true
  rm -rf "$work/ox-$n"
}

# into_virtuoso n step command...: runs the command (with {base} replaced by the HTTP
# base URL and {sql} by the SQL port) against a fresh Virtuoso whose directory holds
# the build's orgs.nt (or $NT); records the server's peak memory (VmHWM) and checks that the
# graph urn:bench holds every triple.
into_virtuoso() {
  local n=$1 step=$2; shift 2
  local dir=$work/virtuoso-$n nt=${NT:-$work/dist-$n/orgs.nt}
  mkdir -p "$dir"
  ln "$nt" "$dir/orgs.nt"
  virtuoso_start "$dir" "${VIRTUOSO_BUFFERS:-340000}"
  pids+=("$virtuoso_pid")
  local args=("${@//\{base\}/$virtuoso_http}")
  # A step that fails is reported after the table, and the run goes on.
  if ! (measure "$n" "$step" "${args[@]//\{sql\}/$virtuoso_sql}"); then
    { echo "N = $n: $step failed:"; tail -5 "$work/$step.err"; } >> "$work/failures"
    virtuoso_stop
    rm -rf "$dir"
    return
  fi
  echo "$n $step $(awk '/VmHWM/ {print $2}' "/proc/$virtuoso_pid/status")" >> "$work/store-peaks"
  local held
  held=$(curl -sf -H 'Accept: text/csv' --data-urlencode \
    'query=SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:bench> { ?s ?p ?o } }' \
    "$virtuoso_http/sparql" | tail -1)
  [ "$held" = "$(wc -l < "$nt")" ] ||
    { echo "$step at N=$n: Virtuoso holds $held triples"; exit 1; }
  virtuoso_stop
  rm -rf "$dir"
}

has() { [[ " ${STORES:-oxigraph} " == *" $1 "* ]]; }
if has virtuoso; then
  . "$root/.ci/virtuoso.sh"
  export VIRTUOSO_PASSWORD=dba
fi

batch=${BATCH:-10000}
mkdir -p "$work/empty-queries"
touch "$work/store-peaks" "$work/failures"
for n in "$@"; do
  "$root/target/release/examples/synth" "$n" "$work/data-$n"
  rm -rf "$work/cache"
  measure "$n" build "$orgdir" -q --data "$work/data-$n" build --out "$work/dist-$n"
  measure "$n" validate "$orgdir" -q --data "$work/data-$n" validate
  if [ -n "$rocks" ]; then
    serve_until_answer "$n" serve-first
    serve_until_answer "$n" serve-restart
    rm -rf "$work/store-$n"
  fi
  if has virtuoso; then
    methods=${VIRTUOSO_METHODS:-gsp gsp-batches gsp-batches-1 update release}
    for method in $methods; do
      [ "$method" != release ] || continue
      step=virtuoso-${method/gsp-batches/batches}
      [ "$method" != update ] || [ "$n" -le "${UPDATE_MAX:-$n}" ] || continue
      # gsp-batches-1: one batch in flight at a time, not the preset's two.
      flags=(--method "${method%-1}")
      [ "$method" != gsp-batches-1 ] || flags+=(--in-flight 1)
      into_virtuoso "$n" "$step" "$orgdir" -q --data "$work/data-$n" publish --timeout 7200 \
        --store-kind virtuoso --endpoint "{base}" --user dba --password-env VIRTUOSO_PASSWORD \
        "${flags[@]}" --graph urn:bench
    done
    into_virtuoso "$n" virtuoso-bulk isql-vt "{sql}" dba dba \
      "exec=ld_dir('$work/virtuoso-$n', 'orgs.nt', 'urn:bench'); rdf_loader_run();"
    if [[ " $methods " == *" release "* ]]; then
      # A release, published as built (no loading or validating), beside the
      # bulk loader on the same orgs.nt (a release adds each record's
      # dateModified).
      "$orgdir" -q --data "$work/data-$n" build --out "$work/rel-$n" --release 1.0.0
      release=$work/rel-$n/1.0.0
      NT=$release/orgs.nt into_virtuoso "$n" virtuoso-release "$orgdir" -q publish \
        --release "$release" --timeout 7200 --store-kind virtuoso --endpoint "{base}" \
        --user dba --password-env VIRTUOSO_PASSWORD --graph urn:bench
      NT=$release/orgs.nt into_virtuoso "$n" virtuoso-bulk-release isql-vt "{sql}" dba dba \
        "exec=ld_dir('$work/virtuoso-$n', 'orgs.nt', 'urn:bench'); rdf_loader_run();"
      rm -rf "$work/rel-$n"
    fi
  fi
  if ! has oxigraph; then
    triples=$(wc -l < "$work/dist-$n/orgs.nt")
    echo "$n $triples" >> "$work/triples"
    rm -rf "$work/dist-$n" "$work/data-$n"
    continue
  fi
  if [ "$n" -le "${PUT_MAX:-$n}" ]; then
    into_oxigraph "$n" publish "$orgdir" -q --data "$work/data-$n" publish --timeout 3600 \
      --endpoint "http://127.0.0.1:{port}/store"
    # The same PUT by curl, of the build's orgs.nt: what the store's own Graph
    # Store ingest costs, without orgdir.
    into_oxigraph "$n" curl-put curl -sf -o /dev/null -H 'Content-Type: application/n-triples' \
      -T "$work/dist-$n/orgs.nt" "http://127.0.0.1:{port}/store?graph=urn:bench:curl"
  fi
  into_oxigraph "$n" publish-batches "$orgdir" -q --data "$work/data-$n" publish --timeout 3600 \
    --method gsp-batches --batch-size "$batch" --endpoint "http://127.0.0.1:{port}/store"
  mkdir -p "$work/split-$n"
  split -l "$batch" -a 6 "$work/dist-$n/orgs.nt" "$work/split-$n/b"
  into_oxigraph "$n" curl-batches bash -c '
    set -e; method=PUT
    for f in "$1"/b*; do
      curl -sf -o /dev/null -X "$method" -H "Content-Type: application/n-triples" \
        --data-binary "@$f" "$2"; method=POST
    done' _ "$work/split-$n" "http://127.0.0.1:{port}/store?graph=urn:bench:curl"
  rm -rf "$work/split-$n"
  measure "$n" oxigraph-load oxigraph load --location "$work/oxload-$n" --file "$work/dist-$n/orgs.nt"
  triples=$(wc -l < "$work/dist-$n/orgs.nt")
  echo "$n $triples" >> "$work/triples"
  rm -rf "$work/oxload-$n" "$work/dist-$n" "$work/data-$n"
done

python3 - "$work/times" "$work/triples" "$work/store-peaks" <<'PY'
import sys
rows, triples = {}, dict(l.split() for l in open(sys.argv[2]))
peaks = [l.split() for l in open(sys.argv[3])]
for line in open(sys.argv[1]):
    n, step, secs, kb = line.split()
    rows.setdefault(step, {})[int(n)] = (float(secs), int(kb) / 1024)
ns = sorted({n for r in rows.values() for n in r})
for n in ns:
    print(f"N = {n:,}: {int(triples[str(n)]):,} triples")
print()
print("| step | " + " | ".join(f"N = {n:,}: s / peak MB" for n in ns) + " | time growth per step of N |")
print("|---|" + "---|" * len(ns) + "---|")
for step in ["build", "validate", "serve-first", "serve-restart", "publish", "curl-put",
             "publish-batches", "curl-batches", "oxigraph-load", "virtuoso-gsp",
             "virtuoso-batches", "virtuoso-batches-1", "virtuoso-update", "virtuoso-bulk",
             "virtuoso-release", "virtuoso-bulk-release"]:
    if step not in rows:
        continue
    r = rows[step]
    cells = [f"{r[n][0]:.2f} s / {r[n][1]:,.0f} MB" if n in r else "" for n in ns]
    growth = []
    for a, b in zip(ns, ns[1:]):
        if a in r and b in r and r[a][0] > 0:
            growth.append(f"x{r[b][0] / r[a][0]:.1f} for x{b / a:.0f}")
    print(f"| {step} | " + " | ".join(cells) + " | " + ", ".join(growth) + " |")
print()
for n in ns:
    r = {step: rows[step][n][0] for step in rows if n in rows[step]}
    ratios = [f"{a} / {b} = {r[a] / r[b]:.2f}"
              for a, b in [("publish", "curl-put"), ("publish", "oxigraph-load"),
                           ("publish-batches", "curl-batches"),
                           ("publish-batches", "oxigraph-load"),
                           ("virtuoso-gsp", "virtuoso-bulk"),
                           ("virtuoso-batches", "virtuoso-bulk"),
                           ("virtuoso-batches-1", "virtuoso-bulk"),
                           ("virtuoso-release", "virtuoso-bulk-release"),
                           ("virtuoso-update", "virtuoso-bulk")]
              if a in r and b in r]
    if ratios:
        print(f"N = {n:,}: " + ", ".join(ratios))
print()
for n, step, kb in peaks:
    store = "Virtuoso" if step.startswith("virtuoso") else "Oxigraph server"
    print(f"N = {int(n):,}: {store} peak during {step}: {int(kb) / 1024:,.0f} MB")
PY
cat "$work/failures"
