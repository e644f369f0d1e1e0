"""Expected values for tests/calibration.rs: the Hosmer-Lemeshow test (its statistic by
hand over the reliability bins the crate uses, the tail from scipy) and logistic
recalibration (statsmodels: Logit of y on logit p for intercept and slope, a binomial GLM
with logit p as offset for the calibration intercept), each with standard errors. The data
are written into the fixture, so the test reads exactly these.

Regenerate (any machine with Python 3):
    python3 -m venv /tmp/oracle && /tmp/oracle/bin/pip install numpy scipy statsmodels
    /tmp/oracle/bin/python tests/oracle/calibration_tests_oracle.py > tests/fixtures/calibration_tests_oracle.json
"""

import json

import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm
from scipy.stats import chi2


def bins_of(y, p, n_bins):
    """The crate's reliability bins: inner edges at the linear quantiles of p, a value on
    an inner edge in the lower bin, empty bins dropped."""
    inner = np.quantile(p, np.arange(1, n_bins) / n_bins)
    idx = np.searchsorted(inner, p, side="left")
    out = []
    for b in range(n_bins):
        m = idx == b
        if m.sum() > 0:
            out.append((int(m.sum()), float(p[m].mean()), float(y[m].mean())))
    return out


def case(seed, n, power):
    rng = np.random.default_rng(seed)
    p = np.clip(rng.beta(0.9, 1.3, size=n), 0.002, 0.998)
    truth = p**power  # power 1: calibrated; otherwise not
    y = (rng.random(n) < truth).astype(int)
    bins = bins_of(y, p, 10)
    h = sum((n_ * r - n_ * m) ** 2 / (n_ * m * (1 - m)) for n_, m, r in bins)
    df = len(bins) - 2
    x = np.log(p / (1 - p))
    two = sm.Logit(y, sm.add_constant(x)).fit(method="newton", tol=1e-14, maxiter=200, disp=0)
    one = sm.GLM(y, np.ones(n), family=sm.families.Binomial(), offset=x).fit(tol=1e-14, maxiter=200)
    return {
        "y": y.tolist(),
        "p": p.tolist(),
        "hosmer_lemeshow": {"statistic": float(h), "df": df, "p_value": float(chi2.sf(h, df))},
        "intercept": float(two.params[0]),
        "intercept_se": float(two.bse[0]),
        "slope": float(two.params[1]),
        "slope_se": float(two.bse[1]),
        "in_the_large": float(one.params[0]),
        "in_the_large_se": float(one.bse[0]),
    }


print(
    json.dumps(
        {
            "versions": {
                "numpy": np.__version__,
                "scipy": scipy.__version__,
                "statsmodels": statsmodels.__version__,
            },
            "cases": [case(1, 800, 1.0), case(2, 1300, 1.4), case(3, 500, 0.7)],
        }
    )
)
