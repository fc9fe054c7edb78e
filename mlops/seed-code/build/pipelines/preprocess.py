"""The pipeline's processing step: makes a synthetic tabular regression data set (the jobs have
no internet, so nothing is downloaded) and splits it into train, validation and test CSVs.

Run by SageMaker as `python3 preprocess.py --rows N` in a scikit-learn container; the outputs go
to /opt/ml/processing/{train,validation,test}. The target is the first column, with no header, as
the built-in XGBoost algorithm reads CSV.
"""

import argparse
import os

import numpy as np

FEATURES = 8
BASE = "/opt/ml/processing"


def make_dataset(rows: int, seed: int = 42) -> np.ndarray:
    """`rows` rows: the target (a noisy linear function of the features) then the features."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(rows, FEATURES))
    weights = np.linspace(1.0, 0.1, FEATURES)
    target = features @ weights + rng.normal(scale=0.1, size=rows)
    return np.column_stack([target, features])


def split(data: np.ndarray, train: float = 0.7, validation: float = 0.15) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train, validation and test parts, in order (the data set is already shuffled)."""
    first = int(len(data) * train)
    second = first + int(len(data) * validation)
    return data[:first], data[first:second], data[second:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    parts = split(make_dataset(args.rows))
    for name, part in zip(("train", "validation", "test"), parts):
        os.makedirs(f"{BASE}/{name}", exist_ok=True)
        np.savetxt(f"{BASE}/{name}/{name}.csv", part, delimiter=",", fmt="%.6f")


if __name__ == "__main__":
    main()
