"""Expected values for tests/calibration.rs: calibration scores and bins (scikit-learn),
Wilson intervals (statsmodels) and the exact power of Fisher's test (scipy, by brute force
over every outcome of the two arms).

Regenerate (any machine with Python 3):
    python3 -m venv /tmp/oracle && /tmp/oracle/bin/pip install numpy scipy scikit-learn statsmodels
    /tmp/oracle/bin/python tests/oracle/calibration_oracle.py > tests/fixtures/calibration_oracle.json
"""

import json

import numpy as np
import scipy
import sklearn
import statsmodels
from scipy.stats import binom, fisher_exact
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, log_loss
from statsmodels.stats.proportion import proportion_confint


def calibration_case(seed, n, decimals):
    rng = np.random.default_rng(seed)
    p = rng.beta(0.8, 1.4, size=n)
    # a miscalibrated truth, and rounding for tied quantile edges
    truth = p**1.3
    y = (rng.random(n) < truth).astype(int)
    p = np.round(p, decimals)
    bins = []
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="quantile")
    # the counts behind each bin, the way calibration_curve assigns them
    edges = np.percentile(p, np.linspace(0, 100, 11))
    ids = np.searchsorted(edges[1:-1], p)
    for b in range(10):
        members = ids == b
        if members.sum() == 0:
            continue
        k, m = int(y[members].sum()), int(members.sum())
        lo, hi = proportion_confint(k, m, alpha=0.05, method="wilson")
        bins.append({"n": m, "positives": k, "lo": lo, "hi": hi})
    assert len(bins) == len(prob_true)
    return {
        "y": y.tolist(),
        "p": p.tolist(),
        "brier": brier_score_loss(y, p),
        "log_loss": log_loss(y, p),
        "prob_true": prob_true.tolist(),
        "prob_pred": prob_pred.tolist(),
        "bins": bins,
    }


def fisher_power(n1, n2, p1, p2, alpha):
    power = 0.0
    for x1 in range(n1 + 1):
        for x2 in range(n2 + 1):
            pv = fisher_exact([[x1, n1 - x1], [x2, n2 - x2]]).pvalue
            if pv <= alpha:
                power += binom.pmf(x1, n1, p1) * binom.pmf(x2, n2, p2)
    return power


print(
    json.dumps(
        {
            "versions": {
                "numpy": np.__version__,
                "scipy": scipy.__version__,
                "scikit-learn": sklearn.__version__,
                "statsmodels": statsmodels.__version__,
            },
            "calibration": [calibration_case(7, 500, 2), calibration_case(11, 1296, 6)],
            "fisher_power": [
                {"n1": n1, "n2": n2, "p1": p1, "p2": p2, "alpha": a, "power": fisher_power(n1, n2, p1, p2, a)}
                for (n1, n2, p1, p2, a) in [
                    (56, 56, 0.92, 0.717, 0.05),
                    (30, 25, 0.5, 0.2, 0.05),
                    (20, 20, 0.3, 0.3, 0.05),
                    (40, 60, 0.45, 0.25, 0.01),
                ]
            ],
        },
        indent=1,
    )
)
