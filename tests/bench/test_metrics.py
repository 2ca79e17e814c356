"""Bench metrics against values computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from synthguard.bench import metrics

# labels (1 = fake), scores
Y = [0, 0, 1, 1]
S = [0.1, 0.4, 0.35, 0.8]


def test_auc_hand_computed() -> None:
    # fake/real pairs: (0.35>0.1) (0.35<0.4) (0.8>0.1) (0.8>0.4) -> 3/4
    assert metrics.auc(Y, S) == pytest.approx(0.75)


def test_auc_ties_count_half() -> None:
    assert metrics.auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    assert metrics.auc([0, 0, 1], [0.2, 0.5, 0.5]) == pytest.approx(0.75)


def test_auc_perfect_and_inverted() -> None:
    assert metrics.auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert metrics.auc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 0.0


def test_roc_curve_points() -> None:
    roc = metrics.roc_curve(Y, S)
    # thresholds inf, 0.8, 0.4, 0.35, 0.1
    assert roc.tpr.tolist() == [0.0, 0.5, 0.5, 1.0, 1.0]
    assert roc.fpr.tolist() == [0.0, 0.0, 0.5, 0.5, 1.0]


def test_eer_hand_computed() -> None:
    # ROC as (fpr, fnr): (0,1) (0,.5) (.5,.5) (.5,0) (1,0); fpr == fnr first at (.5,.5) -> EER 0.5
    rate, _ = metrics.eer(Y, S)
    assert rate == pytest.approx(0.5)
    assert metrics.eer([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])[0] == pytest.approx(0.0)


def test_eer_one_error_each_side() -> None:
    y = [0] * 4 + [1] * 4
    s = [0.1, 0.2, 0.3, 0.7, 0.25, 0.6, 0.8, 0.9]  # one real high, one fake low
    assert metrics.eer(y, s)[0] == pytest.approx(0.25)


def test_operating_point() -> None:
    op = metrics.at_threshold(Y, S, 0.35)
    assert (op.tp, op.fp, op.tn, op.fn) == (2, 1, 1, 0)
    assert op.accuracy == pytest.approx(0.75)
    assert op.precision == pytest.approx(2 / 3)
    assert op.recall == 1.0 and op.fpr == 0.5


def test_ece_and_brier() -> None:
    # bins of width 0.5: [0.1, 0.4, 0.35] -> mean score 0.2833, mean label 1/3; [0.8] -> 0.8 vs 1
    expected = 3 / 4 * abs(1 / 3 - (0.1 + 0.4 + 0.35) / 3) + 1 / 4 * abs(1 - 0.8)
    assert metrics.ece(Y, S, bins=2) == pytest.approx(expected)
    assert metrics.brier(Y, S) == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)


@pytest.mark.parametrize(
    ("labels", "scores", "match"),
    [
        ([0, 0], [0.1, 0.2], "both classes"),
        ([0, 2], [0.1, 0.2], "0 \\(real\\) or 1"),
        ([0, 1], [0.1], "same length"),
        ([0, 1], [0.1, float("nan")], "finite"),
    ],
)
def test_bad_inputs(labels, scores, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=match):
        metrics.auc(labels, scores)


def test_auc_matches_the_pairwise_definition_with_many_ties() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    s = rng.integers(0, 6, 300) / 5.0 + 0.1 * y  # few distinct values: many ties
    pos, neg = s[y == 1], s[y == 0]
    pairwise = ((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])).mean()
    assert metrics.auc(y, s) == pytest.approx(pairwise)


def test_bootstrap_interval_brackets_the_estimate_and_narrows_with_more_data() -> None:
    rng = np.random.default_rng(0)

    def sample(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = np.repeat([0, 1], n)
        return y, rng.normal(size=2 * n) + 1.2 * y

    y, s = sample(25)
    lo, hi = metrics.bootstrap_ci(y, s, metrics.auc)
    assert lo <= metrics.auc(y, s) <= hi and 0.0 <= lo < hi <= 1.0
    assert metrics.bootstrap_ci(y, s, metrics.auc) == (lo, hi)  # fixed seed: same interval
    y2, s2 = sample(1000)
    lo2, hi2 = metrics.bootstrap_ci(y2, s2, metrics.auc)
    assert hi2 - lo2 < (hi - lo) / 3
    perfect = metrics.bootstrap_ci([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], metrics.auc)
    assert perfect == (1.0, 1.0)  # a resample keeps both classes, so AUC stays defined
    with pytest.raises(ValueError, match="both classes"):
        metrics.bootstrap_ci([1, 1], [0.2, 0.3], metrics.auc)
