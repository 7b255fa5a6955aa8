"""androguard's reading of APKs, the independent reference dfp fingerprint is checked against (tests and
bench:apk only, never product code). Usage: androguard_peer.py [--time] apk... ; prints one JSON document:
{"apps": [{"file", "package", "permissions", "activities", "services", "receivers", "providers", "filters", "counts"}]}
where filters[kind][name] is androguard's get_intent_filters and counts are KronoDroid's component counts computed
from androguard's reading by dfp's definitions (src/fingerprint/features/README.md)."""
import json
import sys
import time

from loguru import logger

logger.remove()
from androguard.core.apk import APK  # noqa: E402


def read(path):
    a = APK(path)
    out = {"file": path, "package": a.get_package(), "permissions": sorted(set(a.get_permissions()))}
    kinds = {"activity": a.get_activities(), "service": a.get_services(), "receiver": a.get_receivers()}
    out["activities"], out["services"], out["receivers"] = kinds["activity"], kinds["service"], kinds["receiver"]
    out["providers"] = a.get_providers()
    filters = {k: {n: a.get_intent_filters(k, n) for n in names} for k, names in kinds.items()}
    out["filters"] = filters
    def with_filters(k):
        return sum(1 for n in kinds[k] if filters[k][n])
    def actions(k):
        return len({x for n in kinds[k] for x in filters[k][n].get("action", [])})
    out["counts"] = {
        "Activities": len(kinds["activity"]), "NrServices": len(kinds["service"]),
        "NrIntActivities": with_filters("activity"), "NrIntActivitiesActions": actions("activity"),
        "NrIntServices": with_filters("service"), "NrIntServicesActions": actions("service"),
        "NrIntReceivers": with_filters("receiver"), "NrIntReceiversActions": actions("receiver"),
        "TotalIntentFilters": with_filters("activity") + with_filters("service") + with_filters("receiver"),
    }
    return out


def main(argv):
    timing = argv[:1] == ["--time"]
    paths = argv[1:] if timing else argv
    if timing:
        # bench:apk: the same work as dfp fingerprint (manifest facts), timed inside the process
        t0 = time.perf_counter()
        for p in paths:
            read(p)
        print(json.dumps({"apks": len(paths), "seconds": time.perf_counter() - t0}))
        return
    print(json.dumps({"apps": [read(p) for p in paths]}))


if __name__ == "__main__":
    main(sys.argv[1:])
