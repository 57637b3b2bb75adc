"""Datasets and data helpers: xor, iris (the shipped CSV), moons, split, one-hot, standardize."""

import numpy as np
import pytest

from nn import IRIS_CLASSES, IRIS_FEATURES, iris, moons, one_hot, standardize, train_test_split, xor


def test_xor_points_and_labels():
    X, y = xor()
    assert X.dtype == np.float64 and X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]
    assert xor(signed=True)[1].tolist() == [-1, 1, 1, -1]


def test_iris_is_fishers_150_rows():
    X, y = iris()
    assert X.shape == (150, 4) and y.shape == (150,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50, 50]
    # the summary statistics of the data set (sepal length 5.843 cm on average, ...)
    np.testing.assert_allclose(X.mean(axis=0), [5.843333, 3.057333, 3.758, 1.199333], atol=1e-6)
    assert X[0].tolist() == [5.1, 3.5, 1.4, 0.2] and X[-1].tolist() == [5.9, 3.0, 5.1, 1.8]
    # samples 35 and 38 as in Fisher's paper (the UCI file has 0.1 and 3.1, 1.5 there)
    assert X[34].tolist() == [4.9, 3.1, 1.5, 0.2] and X[37].tolist() == [4.9, 3.6, 1.4, 0.1]
    assert len(IRIS_FEATURES) == 4 and IRIS_CLASSES == ("setosa", "versicolor", "virginica")


def test_iris_file_names_its_source():
    from importlib import resources

    lines = resources.files("nn").joinpath("data/iris.csv").read_text().splitlines()
    comment = " ".join(line for line in lines if line.startswith("#"))
    assert "R.A. Fisher" in comment and "1936" in comment and "UCI Machine Learning" in comment


def test_moons_without_noise_lie_on_the_two_half_circles():
    X, y = moons(101, noise=0.0, seed=0)
    assert X.shape == (101, 2) and np.bincount(y).tolist() == [50, 51]
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert np.all(upper[:, 1] >= -1e-12) and np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_moons_seed_noise_and_signed_labels():
    X1, y1 = moons(200, noise=0.1, seed=3)
    X2, y2 = moons(200, noise=0.1, seed=3)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, moons(200, noise=0.1, seed=4)[0])
    clean, _ = moons(200, noise=0.0, seed=3)  # same shuffle, no noise
    assert 0.08 < np.std(X1 - clean) < 0.12
    _, signed = moons(10, seed=0, signed=True)
    assert set(signed.tolist()) == {-1.0, 1.0}
    with pytest.raises(ValueError, match="n >= 2"):
        moons(1)
    with pytest.raises(ValueError, match="noise must be"):
        moons(10, noise=-0.1)


@pytest.mark.parametrize(("test_size", "n_test"), [(20, 20), (0.25, 38), (0.1, 15), (1, 1)])
def test_train_test_split_sizes_and_partition(test_size, n_test):
    X, y = np.arange(150 * 2).reshape(150, 2), np.arange(150)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, seed=4)
    assert len(X_test) == len(y_test) == n_test and len(X_train) == 150 - n_test
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(150))
    assert np.array_equal(X_test[:, 0] // 2, y_test)  # rows stay with their labels
    again = train_test_split(X, y, test_size=test_size, seed=4)
    assert np.array_equal(again[3], y_test)


def test_train_test_split_without_shuffle_and_bad_input():
    X, y = np.zeros((10, 1)), np.arange(10)
    assert train_test_split(X, y, test_size=3, shuffle=False)[3].tolist() == [7, 8, 9]
    with pytest.raises(ValueError, match="X has 10 samples but y has 9"):
        train_test_split(X, y[:9])
    for bad in (0, 10, 1.5, 0.0):
        with pytest.raises(ValueError, match="test_size"):
            train_test_split(X, y, test_size=bad)
    with pytest.raises(TypeError, match="test_size"):
        train_test_split(X, y, test_size="20")  # type: ignore[arg-type]


def test_one_hot():
    assert one_hot([2, 0]).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert one_hot(np.array([1.0, 0.0]), num_classes=4).shape == (2, 4)
    for bad in ([0, 3], [-1], [0.5]):
        with pytest.raises(ValueError):
            one_hot(bad, num_classes=3)


def test_standardize_with_its_own_or_a_reference_scale():
    X, _ = iris()
    Z = standardize(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-12)
    train, test = X[:100], X[100:]
    np.testing.assert_allclose(
        standardize(test, reference=train), (test - train.mean(0)) / train.std(0), atol=1e-12
    )
    with pytest.raises(ValueError, match="equal columns"):
        standardize(X, reference=X[:, :2])
