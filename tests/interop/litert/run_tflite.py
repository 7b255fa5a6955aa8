#!/usr/bin/env python3
"""Test peer: runs a .tflite model with the real LiteRT interpreter (ai-edge-litert) and prints its outputs as JSON.

stdin: {"model": path, "inputs": {name: {"shape": [...], "b64": base64 little-endian float32}}, "delegates": bool}
("delegates": false runs the builtin reference kernels only; the default also lets XNNPACK take the ops, as on Android).
A JSON list of such requests gives a list of results.
stdout: {"outputs": [{"name", "shape", "dtype", "b64"}...], "ops": [...]} or {"missing": "ai_edge_litert"} (exit 3).
"""
import base64
import json
import sys

try:
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
except ImportError as e:  # the TS test skips visibly on this
    print(json.dumps({"missing": "ai_edge_litert", "error": str(e)}))
    sys.exit(3)


def run(req: dict) -> dict:
    resolver = OpResolverType.AUTO if req.get("delegates", True) else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    interp = Interpreter(model_path=req["model"], experimental_op_resolver_type=resolver)
    details = {d["name"]: d for d in interp.get_input_details()}
    for name, spec in req["inputs"].items():
        if name not in details:
            raise SystemExit(f"model has no input {name!r}; inputs: {sorted(details)}")
        interp.resize_tensor_input(details[name]["index"], spec["shape"])
    interp.allocate_tensors()
    for name, spec in req["inputs"].items():
        data = np.frombuffer(base64.b64decode(spec["b64"]), dtype=np.float32).reshape(spec["shape"])
        interp.set_tensor(details[name]["index"], data)
    interp.invoke()
    outs = []
    for d in interp.get_output_details():
        v = np.ascontiguousarray(interp.get_tensor(d["index"]), dtype=np.float32)
        outs.append({"name": d["name"], "shape": list(v.shape), "dtype": str(d["dtype"].__name__), "b64": base64.b64encode(v.tobytes()).decode()})
    ops = sorted({op["op_name"] for op in interp._get_ops_details()} - {"DELEGATE"}) if hasattr(interp, "_get_ops_details") else []
    return {"outputs": outs, "ops": ops}


def main() -> None:
    req = json.load(sys.stdin)
    # A list runs several models in one process (one interpreter import for a whole test file).
    print(json.dumps([run(r) for r in req] if isinstance(req, list) else run(req)))


if __name__ == "__main__":
    main()
