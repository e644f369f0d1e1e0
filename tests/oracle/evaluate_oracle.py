"""Expected values for the two-proportion statistics of the A/B test evaluation: for each
case (group 1 = test arm, group 2 = control arm, x = number who declined out of n) the
difference of rates x1/n1 - x2/n2, its Newcomb (hybrid Wilson score) 95% interval
(statsmodels confint_proportions_2indep, method="newcomb", compare="diff"), the p-value
of the two-sided pooled-variance z-test (statsmodels proportions_ztest) and the p-value of
the two-sided Fisher exact test (scipy fisher_exact).

Cases: small arms (n 5-30), medium (n 100-600), large (n 2000-20000, rates 0.3-0.9),
unequal arms, x1 = 0, x2 = n2, equal counts with equal n, and equal rates with different n.
No case has both arms at 0 or both at n (the z statistic is undefined there).

Regenerate (any machine with Python 3), from the repository root:
    python3 -m venv /tmp/oracle && /tmp/oracle/bin/pip install numpy==2.4.6 scipy==1.17.1 statsmodels==0.15.0
    /tmp/oracle/bin/python tests/oracle/evaluate_oracle.py
which writes tests/fixtures/evaluate_oracle.json.
"""

import json
import math
import platform
from pathlib import Path

import numpy as np
import scipy
import statsmodels
from scipy.stats import fisher_exact
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

ALPHA = 0.05
OUT = "tests/fixtures/evaluate_oracle.json"

# (x1, n1, x2, n2)
CASES = [
    # small
    (3, 10, 7, 10),
    (1, 5, 4, 6),
    (12, 30, 5, 25),
    (9, 20, 9, 20),
    (2, 8, 1, 12),
    # medium
    (120, 400, 160, 400),
    (45, 150, 60, 150),
    (210, 600, 190, 580),
    (33, 100, 47, 120),
    (250, 500, 250, 500),
    # large
    (1400, 4000, 1320, 4000),
    (6100, 10000, 6000, 10000),
    (17200, 20000, 17050, 20000),
    (900, 2500, 1000, 2500),
    (12600, 18000, 5500, 8000),
    # unequal arms
    (30, 60, 150, 400),
    (700, 1000, 2900, 5000),
    (4, 12, 40, 200),
    # x1 = 0
    (0, 20, 5, 20),
    (0, 150, 3, 300),
    # x2 = n2
    (14, 20, 20, 20),
    (470, 500, 300, 300),
    # x1 = x2 with equal n
    (5, 15, 5, 15),
    (3000, 6000, 3000, 6000),
    # equal rates, different n
    (30, 100, 90, 300),
    (1200, 3000, 400, 1000),
]


def case(x1, n1, x2, n2):
    low, high = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff", alpha=ALPHA)
    _, p_z = proportions_ztest([x1, x2], [n1, n2])
    p_fisher = fisher_exact([[x1, n1 - x1], [x2, n2 - x2]], alternative="two-sided").pvalue
    out = {
        "x1": x1,
        "n1": n1,
        "x2": x2,
        "n2": n2,
        "diff": x1 / n1 - x2 / n2,
        "newcomb_low": float(low),
        "newcomb_high": float(high),
        "p_z": float(p_z),
        "p_fisher": float(p_fisher),
    }
    for k, v in out.items():
        assert math.isfinite(v), (k, out)
    return out


fixture = {
    "generated_by": "tests/oracle/evaluate_oracle.py",
    "versions": {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "statsmodels": statsmodels.__version__,
    },
    "alpha": ALPHA,
    "cases": [case(*c) for c in CASES],
}

Path(OUT).write_text(json.dumps(fixture, indent=1, sort_keys=True) + "\n")
print(f"wrote {OUT}: {len(fixture['cases'])} cases")
