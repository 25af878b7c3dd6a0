"""py-memento-client (PyPI memento_client, LANL's reference client for
RFC 7089) against `orgdir serve --releases`: from an organization's page
it finds the native TimeGate, negotiates a datetime and reports the memento
in force with its neighbours, as it would against a web archive.

    python3 memento_check.py ORIGIN

The server holds the four releases of tests/release/memento.rs (v1
2026-11-01, v2 2026-12-01, v3 2027-01-01, v4 2027-02-01). Prints one line
per check; exits 1 if one failed.
"""

import sys
from datetime import datetime

from memento_client import MementoClient

origin = sys.argv[1].rstrip("/")
failures = 0


def check(ok, what, detail=""):
    global failures
    print(("ok " if ok else "FAILED ") + what + ("" if ok else f": {detail}"))
    if not ok:
        failures += 1


# The aggregator it would fall back to is unreachable: only a native
# TimeGate, found from the original's Link header, can answer.
client = MementoClient(timegate_uri="http://127.0.0.1:9/timegate/", check_native_timegate=True)

cases = [
    # (organization, asked at, memento expected, its date, first, last)
    ("parent", datetime(2026, 12, 15), "v2", datetime(2026, 12, 1), "v1", "v4"),
    ("parent", datetime(2026, 11, 20), "v1", datetime(2026, 11, 1), "v1", "v4"),
    ("regional", datetime(2026, 12, 31, 23, 59), "v1", datetime(2026, 11, 1), "v1", "v3"),
    ("child", datetime(2027, 3, 1), "v4", datetime(2027, 2, 1), "v1", "v4"),
    ("newone", datetime(2019, 1, 1), "v2", datetime(2026, 12, 1), "v2", "v3"),
]
for org, at, version, date, first, last in cases:
    what = f"{org} at {at.date()}"
    original = f"{origin}/org/{org}"
    try:
        info = client.get_memento_info(original, at)
    except Exception as e:  # the client's own errors say what it missed
        check(False, what, repr(e))
        continue
    check(info.get("timegate_uri") == f"{origin}/timegate/org/{org}", what + ": native TimeGate", info)
    mementos = info.get("mementos", {})
    closest = mementos.get("closest", {})
    check(closest.get("uri") == [f"{original}/release/{version}"], what + ": memento", closest)
    check(closest.get("datetime") == date, what + ": Memento-Datetime", closest)
    check(closest.get("http_status_code") == 200, what + ": memento answered", closest)
    check(mementos.get("first", {}).get("uri") == [f"{original}/release/{first}"], what + ": first", mementos)
    check(mementos.get("last", {}).get("uri") == [f"{original}/release/{last}"], what + ": last", mementos)
    # A memento's own URI leads the client back to the original.
    check(client.get_original_uri(f"{original}/release/{version}") == original, what + ": original")
    check(client.is_memento(f"{original}/release/{version}"), what + ": is a memento")
    check(
        client.is_timegate(f"{origin}/timegate/org/{org}", MementoClient.convert_to_http_datetime(at)),
        what + ": is a TimeGate",
    )

sys.exit(1 if failures else 0)
