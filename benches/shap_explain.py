"""shap.PermutationExplainer on the study's chosen pipeline, for `cargo bench --bench shap`.

Reads DIR/train.csv and DIR/test.csv (feature columns and the target as 0/1) and
DIR/setup.json (the chosen pipeline's scaler and SVC parameters, background row indices
into train.csv, max_evals), fits the same scikit-learn pipeline, and explains P(«Снизилась»)
of every test row with an independent masker over those background rows. Prints one JSON
object: seconds (explaining only), rows, mean |SHAP| per transformed feature.

    python benches/shap_explain.py DIR
"""

import json
import sys
import time

import numpy as np
import pandas as pd
import shap
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.svm import SVC

CATEGORY = "Популярная_категория"
ORDINAL = {"Тип сервиса": ["стандарт", "премиум"], "Разрешить сообщать": ["нет", "да"]}


def main() -> None:
    d = sys.argv[1]
    setup = json.load(open(f"{d}/setup.json"))
    train = pd.read_csv(f"{d}/train.csv")
    test = pd.read_csv(f"{d}/test.csv")
    y = train.pop("target").to_numpy()
    test.pop("target")
    numeric = [c for c in train.columns if c != CATEGORY and c not in ORDINAL]
    scaler = StandardScaler() if setup["scaler"] == "standard" else MinMaxScaler()
    prep = ColumnTransformer(
        [
            ("ohe", OneHotEncoder(drop="first", sparse_output=False), [CATEGORY]),
            *[(f"ord{i}", OrdinalEncoder(categories=[c]), [col]) for i, (col, c) in enumerate(ORDINAL.items())],
            ("num", scaler, numeric),
        ]
    )
    xt = prep.fit_transform(train)
    xs = prep.transform(test)
    model = SVC(kernel=setup["kernel"], C=setup["C"], probability=True, random_state=42).fit(xt, y)
    background = xt[np.asarray(setup["background"])]
    f = lambda x: model.predict_proba(x)[:, 1]
    explainer = shap.PermutationExplainer(f, shap.maskers.Independent(background, max_samples=len(background)))
    t = time.perf_counter()
    sv = explainer(xs, max_evals=setup["max_evals"], silent=True)
    seconds = time.perf_counter() - t
    print(json.dumps({
        "seconds": seconds,
        "rows": int(xs.shape[0]),
        "shap": shap.__version__,
        "mean_abs": np.abs(sv.values).mean(axis=0).tolist(),
        "additivity": float(np.abs(sv.base_values + sv.values.sum(axis=1) - f(xs)).max()),
    }))


if __name__ == "__main__":
    main()
