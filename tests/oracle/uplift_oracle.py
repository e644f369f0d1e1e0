"""Expected values for tests/uplift.rs: scikit-uplift's uplift and Qini curves, their
normalised areas and uplift at k on seeded random data (no project data involved).

    python -m venv /tmp/oracle && /tmp/oracle/bin/pip install numpy scikit-uplift
    /tmp/oracle/bin/python tests/oracle/uplift_oracle.py   # writes tests/fixtures/uplift_oracle.json
"""
import json
import pathlib
import warnings

import numpy as np
import sklift

warnings.simplefilter("ignore", FutureWarning)  # sklearn's stable_cumsum, inside sklift
from sklift.metrics import (
    perfect_qini_curve,
    perfect_uplift_curve,
    qini_auc_score,
    qini_curve,
    uplift_at_k,
    uplift_auc_score,
    uplift_curve,
)


def case(name, y, uplift, treatment):
    y, uplift, treatment = np.asarray(y), np.asarray(uplift, dtype=float), np.asarray(treatment)
    out = {"name": name, "y": y.tolist(), "uplift": uplift.tolist(), "treatment": treatment.tolist()}
    for key, f in [("uplift_curve", uplift_curve), ("qini_curve", qini_curve)]:
        x, v = f(y, uplift, treatment)
        out[key] = {"x": np.asarray(x, dtype=float).tolist(), "y": np.asarray(v, dtype=float).tolist()}
    x, v = perfect_uplift_curve(y, treatment)
    out["perfect_uplift_curve"] = {"x": np.asarray(x, dtype=float).tolist(), "y": np.asarray(v, dtype=float).tolist()}
    for neg in (True, False):
        x, v = perfect_qini_curve(y, treatment, negative_effect=neg)
        out[f"perfect_qini_curve_{str(neg).lower()}"] = {
            "x": np.asarray(x, dtype=float).tolist(),
            "y": np.asarray(v, dtype=float).tolist(),
        }
        try:
            score = float(qini_auc_score(y, uplift, treatment, negative_effect=neg))
        except ValueError:  # without negative effects the perfect curve needs a positive overall effect
            score = None
        out[f"qini_auc_{str(neg).lower()}"] = score
    out["uplift_auc"] = float(uplift_auc_score(y, uplift, treatment))
    for k in (0.3, 0.5):
        for strategy in ("overall", "by_group"):
            out[f"uplift_at_{k}_{strategy}"] = float(uplift_at_k(y, uplift, treatment, strategy=strategy, k=k))
    return out


rng = np.random.default_rng(2026)
cases = []
# a ranking that carries signal: the treated respond more where the score is high
n = 300
score = rng.normal(size=n)
treatment = rng.integers(0, 2, size=n)
p = 0.3 + 0.25 * treatment * (score > 0)
y = (rng.random(n) < p).astype(int)
cases.append(case("signal", y, score, treatment))
# ties: the same score rounded to one decimal
cases.append(case("ties", y, np.round(score, 1), treatment))
# a harmful offer ("sleeping dogs"): the treated respond less where the score is high
p = 0.5 - 0.3 * treatment * (score > 0.5)
y2 = (rng.random(n) < p).astype(int)
cases.append(case("harm", y2, score, treatment))
# few responders among controls, unbalanced arms, a random score
m = 120
t3 = (rng.random(m) < 0.7).astype(int)
y3 = (rng.random(m) < 0.15 + 0.2 * t3).astype(int)
cases.append(case("unbalanced", y3, rng.random(m), t3))

out = {"sklift": sklift.__version__, "numpy": np.__version__, "cases": cases}
path = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "uplift_oracle.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path}: {len(cases)} cases")
