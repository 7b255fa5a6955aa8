"""Interop peer for dfp's MLflow tests (never product code): reads back, with MLflow's own Python client,
what dfp logged -- run, params, metrics, dataset inputs, the registered version behind an alias -- then
loads the model through pyfunc and mlflow.onnx and scores the given rows. Request JSON on stdin, result
JSON on stdout."""
import json
import sys

import numpy as np
import mlflow
import mlflow.onnx
from mlflow import MlflowClient


def scores(pred):
    # the onnx pyfunc returns {output_name: array} for array input, a DataFrame for frame input
    if isinstance(pred, dict):
        pred = pred[next(iter(pred))]
    if hasattr(pred, "to_numpy"):
        pred = pred.to_numpy()
    return np.asarray(pred, dtype=np.float64).reshape(len(pred), -1)[:, 0].tolist()


def main():
    req = json.load(sys.stdin)
    mlflow.set_tracking_uri(req["tracking_uri"])
    client = MlflowClient()
    run = client.get_run(req["run_id"])
    history = {
        key: [[m.step, m.value] for m in client.get_metric_history(run.info.run_id, key)]
        for key in run.data.metrics
    }
    inputs = [
        {
            "name": d.dataset.name,
            "digest": d.dataset.digest,
            "source_type": d.dataset.source_type,
            "source": json.loads(d.dataset.source),
            "tags": {t.key: t.value for t in d.tags},
        }
        for d in run.inputs.dataset_inputs
    ]
    mv = client.get_model_version_by_alias(req["name"], req["alias"])
    uri = f"models:/{req['name']}@{req['alias']}"
    model = mlflow.pyfunc.load_model(uri)
    rows = np.asarray(req["rows"], dtype=np.float32)
    proto = mlflow.onnx.load_model(uri)
    sig = model.metadata.signature
    json.dump(
        {
            "status": run.info.status,
            "params": dict(run.data.params),
            "metrics": dict(run.data.metrics),
            "history": history,
            "inputs": inputs,
            "version": {"version": mv.version, "run_id": mv.run_id, "source": mv.source, "aliases": list(mv.aliases)},
            "loader_module": model.metadata.flavors["python_function"]["loader_module"],
            "onnx_graph_inputs": [i.name for i in proto.graph.input],
            "signature_inputs": json.loads(sig.inputs.to_json()) if sig else None,
            "scores": scores(model.predict(rows)),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
