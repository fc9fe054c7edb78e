"""The processing and evaluation scripts' logic."""

import numpy as np
import pytest

from pipelines.evaluate import mean_squared_error, report
from pipelines.preprocess import FEATURES, make_dataset, split


def test_the_dataset_is_the_target_then_the_features_and_the_same_for_a_seed():
    data = make_dataset(200)
    assert data.shape == (200, FEATURES + 1)
    assert np.array_equal(data, make_dataset(200))
    assert not np.array_equal(data, make_dataset(200, seed=7))


def test_the_target_is_learnable_from_the_features():
    data = make_dataset(2000)
    target, features = data[:, 0], data[:, 1:]
    weights, *_ = np.linalg.lstsq(features, target, rcond=None)
    assert mean_squared_error(target, features @ weights) < 0.05


def test_the_split_keeps_every_row_once_in_order():
    data = make_dataset(100)
    train, validation, test = split(data)
    assert (len(train), len(validation), len(test)) == (70, 15, 15)
    assert np.array_equal(np.vstack([train, validation, test]), data)


def test_the_evaluation_report_is_what_the_condition_reads():
    assert mean_squared_error([1.0, 2.0], [1.0, 4.0]) == 2.0
    assert report(0.25)["regression_metrics"]["mse"]["value"] == 0.25
    with pytest.raises(ValueError):
        mean_squared_error([], [])
