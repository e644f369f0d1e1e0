"""scikit-learn's GridSearchCV on the study's grid, for `cargo bench --bench search`.

Reads DIR/train.csv (the training part of the model table: feature columns and the
target as 0/1) and DIR/folds.json (the validation rows of each fold, as the Rust search
used them), runs the same pipelines over the same grid and folds, and prints one JSON
object: wall time, candidate count and the best mean CV ROC-AUC of each family.

    python benches/sklearn_search.py DIR --n-jobs 1 [--probability]
"""

import argparse
import json
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

TARGET = "target"
CATEGORY = "Популярная_категория"
ORDINAL = {"Тип сервиса": ["стандарт", "премиум"], "Разрешить сообщать": ["нет", "да"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--n-jobs", type=int, default=1)
    ap.add_argument("--probability", action="store_true", help="SVC(probability=True), as the Python originals of the study")
    args = ap.parse_args()

    start = time.perf_counter()
    df = pd.read_csv(f"{args.dir}/train.csv")
    with open(f"{args.dir}/folds.json") as f:
        valid = json.load(f)
    n = len(df)
    cv = [(np.setdiff1d(np.arange(n), v), np.asarray(v)) for v in valid]
    y = df.pop(TARGET).to_numpy()
    numeric = [c for c in df.columns if c != CATEGORY and c not in ORDINAL]
    prep = ColumnTransformer(
        [
            ("ohe", OneHotEncoder(drop="first", sparse_output=False), [CATEGORY]),
            *[(f"ord{i}", OrdinalEncoder(categories=[cats]), [col]) for i, (col, cats) in enumerate(ORDINAL.items())],
            ("num", StandardScaler(), numeric),
        ]
    )
    pipe = Pipeline([("prep", prep), ("model", KNeighborsClassifier())])
    scalers = [StandardScaler(), MinMaxScaler()]
    grid = [
        {"model": [KNeighborsClassifier()], "model__n_neighbors": list(range(2, 21)), "prep__num": scalers},
        {
            "model": [DecisionTreeClassifier(random_state=42)],
            "model__max_depth": list(range(2, 11)),
            "model__min_samples_split": [2, 5, 10, 20],
            "model__min_samples_leaf": [1, 2, 5, 10],
            "prep__num": scalers,
        },
        {
            "model": [LogisticRegression(max_iter=1000)],
            "model__C": [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100],
            "prep__num": scalers,
        },
        {
            "model": [SVC(probability=args.probability, random_state=42)],
            "model__kernel": ["rbf", "linear", "poly"],
            "model__C": [0.1, 0.3, 1, 3, 10],
            "prep__num": scalers,
        },
        {
            "model": [HistGradientBoostingClassifier(early_stopping=False)],
            "model__learning_rate": [0.05, 0.1],
            "model__max_leaf_nodes": [15, 31],
            "model__max_iter": [100, 200],
            "prep__num": [StandardScaler()],
        },
    ]
    search = GridSearchCV(pipe, grid, scoring="roc_auc", cv=cv, n_jobs=args.n_jobs)
    t = time.perf_counter()
    search.fit(df, y)
    seconds = time.perf_counter() - t

    res = search.cv_results_
    families = {}
    names = {
        "KNeighborsClassifier": "knn",
        "DecisionTreeClassifier": "decision_tree",
        "LogisticRegression": "logistic_regression",
        "SVC": "svc",
        "HistGradientBoostingClassifier": "gradient_boosting",
    }
    for i, params in enumerate(res["params"]):
        fam = names[type(params["model"]).__name__]
        score = float(res["mean_test_score"][i])
        if fam not in families or score > families[fam]["cv_roc_auc"]:
            shown = {k.removeprefix("model__"): v for k, v in params.items() if k.startswith("model__")}
            shown["scaler"] = type(params["prep__num"]).__name__
            families[fam] = {"cv_roc_auc": score, "params": shown}
    print(
        json.dumps(
            {
                "seconds": seconds,
                "wall_seconds_with_io": time.perf_counter() - start,
                "n_jobs": args.n_jobs,
                "probability": args.probability,
                "candidates": len(res["params"]),
                "fits": len(res["params"]) * len(cv),
                "families": families,
                "sklearn": __import__("sklearn").__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
