"""The pipeline's evaluation step: scores the trained model on the test set and writes
evaluation.json (`regression_metrics.mse.value`), which the condition step reads.

Run by SageMaker in the XGBoost container with the model under /opt/ml/processing/model and the
test CSV under /opt/ml/processing/test.
"""

import json
import os
import tarfile

import numpy as np

BASE = "/opt/ml/processing"


def mean_squared_error(actual: np.ndarray, predicted: np.ndarray) -> float:
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    if actual.shape != predicted.shape or actual.size == 0:
        raise ValueError("actual and predicted must be non-empty and of the same shape")
    return float(np.mean((actual - predicted) ** 2))


def report(mse: float) -> dict:
    """The evaluation document the condition step's JsonGet reads."""
    return {"regression_metrics": {"mse": {"value": mse, "standard_deviation": "NaN"}}}


def main() -> None:
    import xgboost  # in the XGBoost container only

    with tarfile.open(f"{BASE}/model/model.tar.gz") as archive:
        archive.extractall(path=".", filter="data")
    booster = xgboost.Booster()
    booster.load_model("xgboost-model")
    test = np.loadtxt(f"{BASE}/test/test.csv", delimiter=",")
    predicted = booster.predict(xgboost.DMatrix(test[:, 1:]))
    os.makedirs(f"{BASE}/evaluation", exist_ok=True)
    with open(f"{BASE}/evaluation/evaluation.json", "w") as f:
        json.dump(report(mean_squared_error(test[:, 0], predicted)), f)


if __name__ == "__main__":
    main()
