"""Scores bench/linkcheck.sh's runs: how many URLs each tool classified right.
python3 score.py OUTDIR"""
import json
import os
import sys

out = sys.argv[1]
expected = json.load(open(os.path.join(out, "expected.json")))

# orgdir: its own statuses, which must equal the expected ones exactly.
orgdir = json.load(open(os.path.join(out, "orgdir.json")))
got = {r["url"]: r["status"] for r in orgdir["results"]}
orgdir_right = sum(1 for u, e in expected.items() if got.get(u) == e["status"])

# lychee: success or failure only (it has no "blocked" or "redirected" class);
# right when a working link is a success and a failing one is not.
lychee = json.load(open(os.path.join(out, "lychee.json")))
failed = set()
for entries in lychee.get("error_map", lychee.get("fail_map", {})).values():
    for e in entries:
        failed.add(e["url"])
lychee_right = sum(1 for u, e in expected.items() if (u not in failed) == e["works"])
print(json.dumps({"orgdir_right": orgdir_right, "lychee_right": lychee_right, "n": len(expected)}))
