"""Writes the inputs of bench/linkcheck.sh: N organizations whose websites are
N distinct URLs on the local mock (examples/linkmock.rs), a fixed mix of
answers, as orgdir's YAML data, as lychee's input (one URL per line), and the
expected status of each URL.  python3 data.py N BASE OUTDIR"""
import json
import os
import sys

n, base, out = int(sys.argv[1]), sys.argv[2].rstrip("/"), sys.argv[3]
# Of every 10 URLs: kind on the mock, the status orgdir must give, and
# whether the link works (lychee's success/failure).
MIX = [
    ("ok", "ok", True), ("ok", "ok", True), ("ok", "ok", True), ("ok", "ok", True),
    ("headless", "ok", True), ("gone", "broken", False), ("moved", "redirected", True),
    ("temp", "ok", True), ("err", "server_error", False), ("forbidden", "blocked", False),
]
os.makedirs(os.path.join(out, "data"), exist_ok=True)
with open(os.path.join(out, "data", "dataset.yaml"), "w") as f:
    f.write("id: links\ntitle: Link benchmark\nbase: https://bench.example.org/\nmodified: 2026-01-01\n")
expected = {}
with open(os.path.join(out, "data", "orgs.yaml"), "w") as yaml, open(os.path.join(out, "urls.txt"), "w") as urls:
    for i in range(n):
        kind, status, works = MIX[i % len(MIX)]
        url = f"{base}/{kind}/{i}"
        yaml.write(f"- id: org-{i}\n  name: Organization {i}\n  category: national\n  url: {url}\n")
        urls.write(url + "\n")
        expected[url] = {"status": status, "works": works}
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f)
