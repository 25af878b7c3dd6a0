"""SPARQLWrapper, the most used Python SPARQL client, against `orgdir serve`.

Every return format of SELECT, ASK, CONSTRUCT and DESCRIBE, with and without
setOnlyConneg (without it, SPARQLWrapper also sends format=, output= and
results= parameters, some of which name nothing a server knows). Run by
tests/clients.rs with the endpoint's URL; exits 1 on the first failure.
"""
import sys

import rdflib
from SPARQLWrapper import (CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML,
                           SPARQLWrapper)

ENDPOINT = sys.argv[1]
SCHEMA = "PREFIX schema: <http://schema.org/> "
SELECT = SCHEMA + "SELECT ?o ?name WHERE { ?o a schema:Organization ; schema:name ?name } ORDER BY ?name"
ASK = SCHEMA + "ASK { ?o a schema:Organization }"
CONSTRUCT = SCHEMA + "CONSTRUCT { ?o schema:name ?name } WHERE { ?o a schema:Organization ; schema:name ?name }"
DESCRIBE = SCHEMA + "DESCRIBE ?o WHERE { ?o a schema:Organization } LIMIT 1"

failures = []


def check(label, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + label + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(label)


def client(fmt, only_conneg):
    w = SPARQLWrapper(ENDPOINT)
    w.setReturnFormat(fmt)
    w.setOnlyConneg(only_conneg)
    return w


for only_conneg in (False, True):
    tag = "conneg only" if only_conneg else "with format parameters"
    # SELECT: JSON and XML are parsed by SPARQLWrapper; CSV and TSV are text.
    w = client(JSON, only_conneg)
    w.setQuery(SELECT)
    rows = w.query().convert()["results"]["bindings"]
    check(f"SELECT as JSON ({tag})", len(rows) > 0 and "name" in rows[0], rows[:1])
    w = client(XML, only_conneg)
    w.setQuery(SELECT)
    doc = w.query().convert()
    check(f"SELECT as XML ({tag})", len(doc.getElementsByTagName("result")) == len(rows))
    for fmt, sep in ((CSV, ","), (TSV, "\t")):
        w = client(fmt, only_conneg)
        w.setQuery(SELECT)
        text = w.query().convert().decode()
        lines = text.strip().splitlines()
        check(f"SELECT as {fmt} ({tag})", len(lines) == len(rows) + 1 and sep in lines[0], text[:80])
    # ASK
    for fmt in (JSON, XML):
        w = client(fmt, only_conneg)
        w.setQuery(ASK)
        result = w.query().convert()
        value = result["boolean"] if fmt == JSON else result.getElementsByTagName("boolean")[0].firstChild.data == "true"
        check(f"ASK as {fmt} ({tag})", value is True, result)
    # CONSTRUCT and DESCRIBE: every RDF return format, parsed by rdflib.
    for name, query in (("CONSTRUCT", CONSTRUCT), ("DESCRIBE", DESCRIBE)):
        for fmt in (TURTLE, N3, JSONLD, RDFXML, XML):
            w = client(fmt, only_conneg)
            w.setQuery(query)
            try:
                result = w.query().convert()
                if isinstance(result, rdflib.Graph):
                    graph = result
                else:
                    parse_as = {TURTLE: "turtle", N3: "n3", JSONLD: "json-ld"}[fmt]
                    graph = rdflib.Graph().parse(data=result, format=parse_as)
                check(f"{name} as {fmt} ({tag})", len(graph) > 0, len(graph))
            except Exception as e:  # noqa: BLE001 - any failure is the finding
                check(f"{name} as {fmt} ({tag})", False, repr(e)[:300])

# rdflib's own SPARQL client (SPARQLStore) too.
from rdflib.plugins.stores.sparqlstore import SPARQLStore  # noqa: E402

store = SPARQLStore(ENDPOINT)
rows = list(store.query(SELECT))
check("rdflib SPARQLStore SELECT", len(rows) > 0, rows[:1])
check("rdflib SPARQLStore ASK", bool(store.query(ASK).askAnswer), "")

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
