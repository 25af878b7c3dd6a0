"""Runs one peer SHACL validator on DATA.ttl against SHAPES.ttl and writes the
results it found to OUT.json, as a sorted list of [focus node, source shape or
constraint component, severity] (the key bench/validate.sh compares).

    python3 peer.py pyshacl|pyshacl-turbo|pyrudof DATA.ttl SHAPES.ttl OUT.json
"""
import json
import sys

SH = "http://www.w3.org/ns/shacl#"


def from_report_graph(g):
    from rdflib import Namespace, URIRef

    sh = Namespace(SH)
    found = []
    for r in g.objects(None, sh.result):
        focus = g.value(r, sh.focusNode)
        shape = g.value(r, sh.sourceShape)
        component = g.value(r, sh.sourceConstraintComponent)
        severity = g.value(r, sh.resultSeverity)
        key = str(shape) if isinstance(shape, URIRef) else str(component)
        found.append([str(focus), key, str(severity).removeprefix(SH)])
    return found


def main():
    tool, data, shapes, out = sys.argv[1:5]
    if tool in ("pyshacl", "pyshacl-turbo"):
        if tool == "pyshacl":
            from pyshacl import validate
        else:
            from pyshacl_turbo import validate
        _conforms, report, _text = validate(
            data, shacl_graph=shapes, data_graph_format="turtle", shacl_graph_format="turtle"
        )
        found = from_report_graph(report)
    elif tool == "pyrudof":
        import pyrudof

        r = pyrudof.Rudof(pyrudof.RudofConfig())
        r.read_data(data)
        r.read_shacl(shapes)
        found = []
        for e in r.validate_shacl():
            shape = str(e.source_shape)
            key = shape if shape.startswith(("http", "urn:")) else str(e.constraint_component)
            found.append([str(e.focus_node).strip("<>"), key.strip("<>"), str(e.severity)])
    else:
        sys.exit(f"unknown tool {tool}")
    found.sort()
    with open(out, "w") as f:
        json.dump(found, f)


if __name__ == "__main__":
    main()
