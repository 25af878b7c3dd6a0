# Sourced by .ci/run and bench/scale.sh: starts a Virtuoso of Debian's
# virtuoso-opensource on a temporary database, never the system service.
#
#   virtuoso_start DIR [BUFFERS]
#
# writes DIR/virtuoso.ini (the package's, with the database in DIR, both
# ports on 127.0.0.1 and free, DIR allowed to the bulk loader, and BUFFERS
# 8 kB pages of cache when given), starts `virtuoso-t +foreground`, waits
# until its SPARQL endpoint answers, and sets
#   virtuoso_http  http://127.0.0.1:PORT (the HTTP server: /sparql, /sparql-auth, ...)
#   virtuoso_sql   the SQL port, for isql-vt
#   virtuoso_pid
# The database is new, so its dba password is dba.

virtuoso_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

virtuoso_start() {
  local dir=$1 buffers=${2:-}
  mkdir -p "$dir/db"
  virtuoso_http_port=$(virtuoso_port)
  virtuoso_sql=$(virtuoso_port)
  # [Parameters] and [HTTPServer] both name a ServerPort: the first is SQL.
  awk -v db="$dir/db/" -v sql="$virtuoso_sql" -v http="$virtuoso_http_port" \
    -v dir="$dir" -v buffers="$buffers" '
    /^\[/ { section = $0 }
    { gsub("/var/lib/virtuoso-opensource-7/db/", db) }
    section == "[Parameters]" && /^ServerPort/ { $0 = "ServerPort = 127.0.0.1:" sql }
    section == "[HTTPServer]" && /^ServerPort/ { $0 = "ServerPort = 127.0.0.1:" http }
    section == "[Parameters]" && /^DirsAllowed/ { $0 = $0 ", " dir }
    section == "[Parameters]" && buffers != "" && /^NumberOfBuffers/ { $0 = "NumberOfBuffers = " buffers }
    section == "[Parameters]" && buffers != "" && /^MaxDirtyBuffers/ { $0 = "MaxDirtyBuffers = " int(buffers * 3 / 4) }
    { print }
  ' /etc/virtuoso-opensource-7/virtuoso.ini >"$dir/virtuoso.ini"
  (cd "$dir" && exec virtuoso-t +foreground +configfile "$dir/virtuoso.ini") >"$dir/virtuoso.log" 2>&1 &
  virtuoso_pid=$!
  virtuoso_http="http://127.0.0.1:$virtuoso_http_port"
  for _ in $(seq 240); do
    curl -sf -o /dev/null "$virtuoso_http/sparql?query=ASK%7B%7D" && return 0
    kill -0 "$virtuoso_pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "Virtuoso did not start:" >&2
  tail -20 "$dir/virtuoso.log" >&2
  return 1
}

# virtuoso_stop: stops it and waits for it to go; after 30 s it is killed (a
# Virtuoso stuck in a transaction did not stop on SIGTERM in 7 minutes).
virtuoso_stop() {
  kill "$virtuoso_pid" 2>/dev/null || true
  for _ in $(seq 60); do
    kill -0 "$virtuoso_pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -9 "$virtuoso_pid" 2>/dev/null || true
  wait "$virtuoso_pid" 2>/dev/null || true
}
