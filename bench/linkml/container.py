"""Gathers orgdir's record files into the one container document that
linkml-convert reads (a `Directory` with its `organizations`). Plain `memberOf`
ids become `{id: ...}`, since LinkML has no "string or mapping" slot, and ids
become CURIEs (`org:org-5`) under the schema's `org:` prefix.
Preparation only: bench/build.sh does not time it."""
import pathlib
import sys

import yaml

data, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
orgs = []
for path in sorted(data.rglob("*.yaml")):
    if path.name == "dataset.yaml":
        continue
    for record in yaml.safe_load(path.read_text()):
        record["id"] = "org:" + record["id"]
        if "parentOrganization" in record:
            record["parentOrganization"] = "org:" + record["parentOrganization"]
        record["memberOf"] = [m if isinstance(m, dict) else {"id": m} for m in record.get("memberOf", [])]
        for m in record["memberOf"]:
            m["id"] = "org:" + m["id"]
        if not record["memberOf"]:
            del record["memberOf"]
        for key in ("foundingDate", "dissolutionDate"):
            if key in record:
                record[key] = str(record[key])
        for m in record.get("memberOf", []):
            for key in ("startDate", "endDate"):
                if key in m:
                    m[key] = str(m[key])
        orgs.append(record)
out.write_text(yaml.safe_dump({"organizations": orgs}, sort_keys=False, allow_unicode=True))
