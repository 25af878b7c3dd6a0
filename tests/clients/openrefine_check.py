"""OpenRefine, driven through its HTTP API, reconciles a column of names
against orgdir's /reconcile and extends it with a column of websites.

    python3 openrefine_check.py OPENREFINE_URL SERVICE_URL CSV_FILE EXPECTED_JSON

CSV_FILE has a `name` column; EXPECTED_JSON maps each name to the IRI
OpenRefine must match it to, or to null when it must leave the cell for a
person (candidates, no match). Prints one line per check and exits 1 if one
failed. Only the standard library: OpenRefine is the client under test.
"""

import json
import sys
import time
import urllib.parse
import urllib.request
import uuid

refine, service, csv_file, expected_file = sys.argv[1:5]
expected = json.load(open(expected_file, encoding="utf-8"))
failures = 0


def check(ok, what):
    global failures
    print(("ok " if ok else "FAILED ") + what)
    if not ok:
        failures += 1


def call(path, data=None, params=None, raw=None, content_type=None):
    url = refine + path
    if params:
        url += "?" + urllib.parse.urlencode(params)
    body = raw
    headers = {}
    if data is not None:
        body = urllib.parse.urlencode(data).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=body, headers=headers,
                                     method="POST" if body is not None else "GET")
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.geturl(), response.read()


def token():
    return json.loads(call("/command/core/get-csrf-token")[1])["token"]


def wait(project):
    for _ in range(600):
        processes = json.loads(call("/command/core/get-processes",
                                    params={"project": project})[1])
        if not processes.get("processes"):
            return
        time.sleep(0.2)
    raise SystemExit("OpenRefine's operation did not finish in two minutes")


def rows(project):
    body = call("/command/core/get-rows", data={},
                params={"project": project, "start": 0, "limit": 1000,
                        "csrf_token": token()})[1]
    answer = json.loads(body)
    # Cells name their reconciliation by id; the objects are in the pool.
    recons = answer.get("pool", {}).get("recons", {})
    for row in answer["rows"]:
        for cell in row["cells"]:
            if cell and isinstance(cell.get("r"), str):
                cell["r"] = recons.get(cell["r"], {})
    return answer["rows"]


def columns(project):
    body = call("/command/core/get-models", params={"project": project})[1]
    model = json.loads(body)["columnModel"]["columns"]
    # A column's cells sit at its cellIndex, not at its position.
    return {c["name"]: c["cellIndex"] for c in model}


# 1. A project from the CSV file.
boundary = uuid.uuid4().hex
csv = open(csv_file, "rb").read()
options = json.dumps({"separator": ",", "headerLines": 1, "guessCellValueTypes": False,
                      "encoding": "UTF-8", "processQuotes": True})
parts = []
for name, value in [("project-name", "orgdir reconciliation test"),
                    ("format", "text/line-based/*sv"), ("options", options)]:
    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode())
parts.append((f"--{boundary}\r\nContent-Disposition: form-data; name=\"project-file\"; "
              f"filename=\"names.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode() + csv + b"\r\n")
parts.append(f"--{boundary}--\r\n".encode())
final_url, _ = call("/command/core/create-project-from-upload",
                    params={"csrf_token": token()}, raw=b"".join(parts),
                    content_type=f"multipart/form-data; boundary={boundary}")
project = urllib.parse.parse_qs(urllib.parse.urlparse(final_url).query).get("project", [None])[0]
check(project is not None, f"project created ({final_url})")
if project is None:
    sys.exit(1)

# 2. Reconcile the `name` column against the service, matching automatically.
manifest = json.loads(urllib.request.urlopen(service, timeout=30).read())
recon = [{
    "op": "core/recon",
    "engineConfig": {"facets": [], "mode": "row-based"},
    "columnName": "name",
    "config": {
        "mode": "standard-service",
        "service": service,
        "identifierSpace": manifest["identifierSpace"],
        "schemaSpace": manifest["schemaSpace"],
        "type": manifest["defaultTypes"][0],
        "autoMatch": True,
        "columnDetails": [],
        "limit": 0,
    },
    "description": "Reconcile cells in column name",
}]
call("/command/core/apply-operations", data={"operations": json.dumps(recon)},
     params={"project": project, "csrf_token": token()})
wait(project)

name_column = columns(project)["name"]
for row in rows(project):
    cell = row["cells"][name_column]
    name = cell["v"]
    recon = cell.get("r") or {}
    judgment = recon.get("j")
    match = (recon.get("m") or {}).get("id")
    candidates = [c["id"] for c in recon.get("c", [])]
    want = expected[name]
    if want is None:
        check(judgment == "none" and len(candidates) >= 2,
              f"{name!r} left for a person with {len(candidates)} candidates (judgment {judgment})")
    else:
        check(judgment == "matched" and match == want,
              f"{name!r} matched to {match} (judgment {judgment}), expected {want}")

# 3. Extend the reconciled column with the websites.
extend = [{
    "op": "core/extend-reconciled-data",
    "engineConfig": {"facets": [], "mode": "row-based"},
    "baseColumnName": "name",
    "endpoint": service,
    "identifierSpace": manifest["identifierSpace"],
    "schemaSpace": manifest["schemaSpace"],
    "extension": {"properties": [{"id": "url", "name": "Website"}]},
    "columnInsertIndex": 1,
    "description": "Extend data at index 1 based on column name",
}]
call("/command/core/apply-operations", data={"operations": json.dumps(extend)},
     params={"project": project, "csrf_token": token()})
wait(project)
names = columns(project)
check("Website" in names, f"a Website column was added: {list(names)}")
if "Website" in names:
    website = names["Website"]
    filled = 0
    for row in rows(project):
        cells = row["cells"]
        name = cells[name_column]["v"]
        value = cells[website]["v"] if len(cells) > website and cells[website] else None
        if expected[name] is not None:
            check(bool(value) and value.startswith("http"), f"{name!r} has the website {value!r}")
            filled += bool(value)
    check(filled > 0, f"{filled} websites filled")

call("/command/core/delete-project", data={}, params={"project": project, "csrf_token": token()})
print(f"{failures} failed")
sys.exit(1 if failures else 0)
