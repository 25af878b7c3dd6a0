"""Turns `orgdir validate --format json` on stdin into the key list peer.py writes."""
import json
import sys

report = json.load(sys.stdin)
found = []
for r in report["results"]:
    shape = (r["sourceShape"] or "").strip("<>")
    key = shape if shape.startswith(("http", "urn:")) else r["sourceConstraintComponent"]
    severity = {"violation": "Violation", "warning": "Warning", "info": "Info"}.get(r["severity"], r["severity"])
    found.append([r["focusNode"].strip("<>"), key, severity])
found.sort()
json.dump(found, open(sys.argv[1], "w"))
