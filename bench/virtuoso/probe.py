"""What `orgdir publish --method update` does to Virtuoso, by hand, to see
where triples go missing under concurrent writes (bench/RESULTS.md, "Into
Virtuoso while other clients write"): each round drops a staging graph,
inserts an N-Triples file into it in INSERT DATA batches of 10, counts it,
MOVEs it onto a target graph and counts that; a round whose counts differ
from the file or from each other is printed with a SELECT of the target.

    python3 bench/virtuoso/probe.py VIRTUOSO_URL FILE.nt ROUNDS

Run it while bench/virtuoso-concurrent.sh's background publishes write
(or anything else that writes large graphs); dba's password is dba.
"""
import sys

import requests
from requests.auth import HTTPDigestAuth

url, path, rounds = sys.argv[1].rstrip("/"), sys.argv[2], int(sys.argv[3])
auth = HTTPDigestAuth("dba", "dba")
lines = [l for l in open(path, encoding="utf-8").read().splitlines() if l.strip()]
staging, target = "urn:probe:staging", "urn:probe:target"


def update(q):
    r = requests.post(url + "/sparql-auth", data={"update": q}, auth=auth, timeout=300)
    assert r.status_code == 200, (r.status_code, r.text[:300])


def select(q):
    r = requests.post(url + "/sparql", data={"query": q},
                      headers={"Accept": "application/sparql-results+json"}, timeout=300)
    return r.json()["results"]["bindings"]


def count(g):
    return int(select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")[0]["n"]["value"])


short = 0
for i in range(rounds):
    update(f"DROP SILENT GRAPH <{staging}>")
    for k in range(0, len(lines), 10):
        update("INSERT DATA { GRAPH <%s> {\n%s\n} }" % (staging, "\n".join(lines[k:k + 10])))
    before = count(staging)
    update(f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{target}>")
    after = count(target)
    if before != len(lines) or after != before:
        short += 1
        rows = len(select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{target}> {{ ?s ?p ?o }} }}"))
        print(f"round {i}: {len(lines)} triples, staging counted {before}, "
              f"target {after}, SELECT of the target {rows} rows", flush=True)
print(f"{short} of {rounds} rounds differed")
