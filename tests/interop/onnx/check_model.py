#!/usr/bin/env python3
"""Test peer: onnx.checker.check_model(path, full_check=True) on an exported model; prints JSON.

stdout: {"ok": true, "opset": n, "ir_version": n, "metadata": {...}} or {"ok": false, "error": "..."} (exit 1),
or {"missing": "onnx"} (exit 3) when the onnx package is not installed.
"""
import json
import sys

try:
    import onnx
except ImportError as e:  # the TS test skips visibly on this
    print(json.dumps({"missing": "onnx", "error": str(e)}))
    sys.exit(3)


def main() -> None:
    path = sys.argv[1]
    try:
        # full_check also runs strict shape inference over every node.
        onnx.checker.check_model(path, full_check=True)
    except Exception as e:  # noqa: BLE001 - report any checker failure as JSON
        print(json.dumps({"ok": False, "error": str(e)}))
        sys.exit(1)
    m = onnx.load(path)
    opset = next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
    print(json.dumps({"ok": True, "opset": opset, "ir_version": m.ir_version, "metadata": {p.key: p.value for p in m.metadata_props}}))


if __name__ == "__main__":
    main()
