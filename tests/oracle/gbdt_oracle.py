"""Expected values for tests/models.rs: scikit-learn's HistGradientBoostingClassifier on
the model table of the original data, for the gradient-boosting family
(src/model/gbdt.rs).

The model table is rebuilt with pandas exactly as tests/oracle/phik_oracle.py does (the
study's cleaning and merge). Features: the 13 numeric columns as they are and the three
categorical ones one-hot encoded (boosted trees do not depend on the study's scalers).
For each setting: the mean ROC-AUC over a stratified 5-fold split (shuffled, seed 42) of
all customers, early stopping off (as ours). Only statistics are printed, no rows of the
data; tests/models.rs computes the same figure with our model on our own folds and
expects it within 0.01.

Regenerate (the four original CSVs in DATA_DIR, by default ../shared/data/real relative
to the repository root):
    python3 -m venv /tmp/oracle && /tmp/oracle/bin/pip install phik==0.12.5 scipy==1.17.1 pandas==3.1.1 numpy==2.4.6 scikit-learn==1.9.1
    /tmp/oracle/bin/python tests/oracle/gbdt_oracle.py [DATA_DIR] > tests/fixtures/gbdt_originals.json
"""

import json
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
from phik_oracle import model_table  # noqa: E402  (the same cleaning and merge)

TARGET = "Покупательская активность"
CATEGORICAL = ["Тип сервиса", "Разрешить сообщать", "Популярная_категория"]
# (learning_rate, max_iter, max_leaf_nodes), min_samples_leaf 20, λ 0, 255 bins
SETTINGS = [(0.1, 100, 31), (0.05, 200, 15), (0.1, 50, 7)]


def main():
    root = Path(__file__).resolve().parents[2]
    data_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else root.parent / "shared" / "data" / "real"
    table = model_table(data_dir)
    y = (table[TARGET] == "Снизилась").to_numpy().astype(int)
    features = table.drop(columns=[c for c in [TARGET, "id", "Прибыль"] if c in table.columns])
    x = np.column_stack(
        [features[c].to_numpy(dtype=float) for c in features.columns if c not in CATEGORICAL]
        + [
            (features[c] == level).to_numpy(dtype=float)
            for c in CATEGORICAL
            for level in sorted(features[c].unique())
        ]
    )
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=42).split(x, y))
    results = []
    for lr, iters, leaves in SETTINGS:
        aucs = []
        for train, valid in folds:
            m = HistGradientBoostingClassifier(
                learning_rate=lr,
                max_iter=iters,
                max_leaf_nodes=leaves,
                min_samples_leaf=20,
                l2_regularization=0.0,
                max_bins=255,
                early_stopping=False,
            ).fit(x[train], y[train])
            aucs.append(roc_auc_score(y[valid], m.predict_proba(x[valid])[:, 1]))
        results.append(
            {"learning_rate": lr, "max_iter": iters, "max_leaf_nodes": leaves, "cv_roc_auc": float(np.mean(aucs))}
        )
    print(
        json.dumps(
            {
                "generated_by": "tests/oracle/gbdt_oracle.py",
                "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
                "customers": int(len(y)),
                "features": int(x.shape[1]),
                "settings": results,
            },
            indent=1,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
