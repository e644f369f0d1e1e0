"""Expected values for tests/models.rs: kNN and decision-tree probabilities, logistic
regression coefficients and probabilities, and SVC decision values (scikit-learn) on the
formula dataset of tests/models.rs (rows 0..80 train, 80..120 test).

Regenerate (any machine with Python 3):
    python3 -m venv /tmp/oracle && /tmp/oracle/bin/pip install numpy==2.4.6 scipy==1.17.1 scikit-learn==1.9.1
    /tmp/oracle/bin/python tests/oracle/models_oracle.py > tests/fixtures/models_oracle.json

The logistic-regression and SVC numbers go through BLAS (OpenBLAS in the numpy/scipy
wheels), whose kernels are chosen per CPU; on x86-64 the script pins the Haswell kernels
(OPENBLAS_CORETYPE, set before numpy is imported, unless already set) so the output is the
same to the last bit on any AVX2 machine. Other kernels change the last few bits only
(about 1e-14).
"""

import os

os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")

import json  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402


def data(lo, hi):
    """Rows lo..hi of the formula dataset: `data` in tests/models.rs."""
    i = np.arange(lo, hi, dtype=float)[:, None]
    j = np.arange(4, dtype=float)[None, :]
    x = np.sin(0.7 * i + 1.3 * j) + 0.5 * np.cos(0.31 * i * j + j)
    i = i[:, 0]
    y = (x[:, 0] + 0.5 * x[:, 1] - x[:, 2] + 0.3 * np.sin(5.0 * i) > 0.0).astype(int)
    return x, y


x, y = data(0, 80)
xt, yt = data(80, 120)

out = {
    "_comment": f"scikit-learn {sklearn.__version__} on the formula dataset of tests/models.rs "
    "(rows 0..80 train, 80..120 test); script: tests/oracle/models_oracle.py",
    "train_positives": int(y.sum()),
    "test_positives": int(yt.sum()),
    "knn_k5_proba": KNeighborsClassifier(n_neighbors=5).fit(x, y).predict_proba(xt)[:, 1].tolist(),
    # DecisionTree::new(3, 2, 2): max_depth 3, min_samples_split 2, min_samples_leaf 2
    "tree_d3_l2_proba": DecisionTreeClassifier(max_depth=3, min_samples_split=2, min_samples_leaf=2, random_state=0)
    .fit(x, y)
    .predict_proba(xt)[:, 1]
    .tolist(),
}
# L2, lbfgs, solved tightly (the default tol=1e-4 stops visibly short of the optimum)
for c in [0.1, 1.0, 100.0]:
    m = LogisticRegression(C=c, tol=1e-10, max_iter=1000).fit(x, y)
    out[f"logistic_C{c}"] = {
        "coef": m.coef_[0].tolist(),
        "intercept": float(m.intercept_[0]),
        "proba": m.predict_proba(xt)[:, 1].tolist(),
    }
# gamma="scale", poly of degree 3 with coef0 0 (the defaults); libsvm's tol 1e-3 and 1e-8
for kernel in ["rbf", "linear", "poly"]:
    m = SVC(kernel=kernel, C=1.0).fit(x, y)
    d = m.decision_function(xt)
    tight = SVC(kernel=kernel, C=1.0, tol=1e-8).fit(x, y)
    out[f"svc_{kernel}_C1"] = {
        "decision": d.tolist(),
        "decision_tol_1e-8": tight.decision_function(xt).tolist(),
        "n_support": int(m.n_support_.sum()),
        "auc": float(roc_auc_score(yt, d)),
    }

print(json.dumps(out, indent=1))
