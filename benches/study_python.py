"""The study in Python (pandas + scikit-learn + phik + shap), for `cargo bench --bench study`.

What the Python originals of the study do, with the same grids and budgets as
`oneclick study`: read the four CSV files of DIR, clean (typos, customers without revenue
in a month, the revenue anomaly), pivot and merge, φK matrix with significance, grid
search over the four families × two scalers (5-fold stratified CV, ROC-AUC), refit,
permutation importance, SHAP (PermutationExplainer, 50 background rows, max_evals 200)
on the test part, out-of-fold probabilities for segmentation. Prints one JSON object with
the seconds of each stage and the quality figures.

    python benches/study_python.py DIR [--n-jobs N]
"""

import argparse
import json
import time

import numpy as np
import pandas as pd
import phik  # noqa: F401  (registers DataFrame.phik_matrix)
import shap
from sklearn.compose import ColumnTransformer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

TARGET = "Покупательская активность"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--n-jobs", type=int, default=1)
    args = ap.parse_args()
    t = {}
    clock = time.perf_counter()

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        t[name] = now - clock
        clock = now

    d = args.dir
    mf = pd.read_csv(f"{d}/market_file.csv")
    mm = pd.read_csv(f"{d}/market_money.csv")
    mt = pd.read_csv(f"{d}/market_time.csv")
    money = pd.read_csv(f"{d}/money.csv", sep=";", decimal=",")
    lap("load")

    mf["Тип сервиса"] = mf["Тип сервиса"].replace("стандартт", "стандарт")
    mt["Период"] = mt["Период"].replace("предыдцщий_месяц", "предыдущий_месяц")
    mf = mf.rename(columns=lambda c: c.replace(" ", "_") if c not in (TARGET, "Тип сервиса", "Разрешить сообщать") else c)
    inactive = mm.loc[mm["Выручка"] == 0, "id"].unique()
    anomaly = mm.loc[mm["Выручка"] > 100000, "id"].unique()
    drop = set(inactive) | set(anomaly)
    mf, mm, mt, money = (x[~x["id"].isin(drop)] for x in (mf, mm, mt, money))
    lap("clean")

    rev = mm.pivot(index="id", columns="Период", values="Выручка")
    rev.columns = [f"Выручка_{c}" for c in rev.columns]
    tim = mt.pivot(index="id", columns="Период", values="минут")
    tim.columns = [f"Минут_{c}" for c in tim.columns]
    df = mf.set_index("id").join(rev).join(tim)
    profit = money.set_index("id")["Прибыль"].loc[df.index]
    lap("merge")

    interval = [c for c in df.columns if df[c].dtype.kind == "f" or (df[c].dtype.kind == "i" and df[c].nunique() > 20)]
    m = df.phik_matrix(interval_cols=interval)
    s = df.significance_matrix(interval_cols=interval)
    lap("correlation")

    y = (df.pop(TARGET) == "Снизилась").astype(int).to_numpy()
    x_train, x_test, y_train, y_test = train_test_split(df, y, test_size=0.25, random_state=42, stratify=y)
    cat, ordinal = "Популярная_категория", {"Тип сервиса": ["стандарт", "премиум"], "Разрешить сообщать": ["нет", "да"]}
    numeric = [c for c in df.columns if c != cat and c not in ordinal]
    prep = ColumnTransformer([
        ("ohe", OneHotEncoder(drop="first", sparse_output=False, handle_unknown="ignore"), [cat]),
        *[(f"ord{i}", OrdinalEncoder(categories=[v]), [k]) for i, (k, v) in enumerate(ordinal.items())],
        ("num", StandardScaler(), numeric),
    ])
    pipe = Pipeline([("prep", prep), ("model", KNeighborsClassifier())])
    scalers = [StandardScaler(), MinMaxScaler()]
    grid = [
        {"model": [KNeighborsClassifier()], "model__n_neighbors": list(range(2, 21)), "prep__num": scalers},
        {"model": [DecisionTreeClassifier(random_state=42)], "model__max_depth": list(range(2, 11)),
         "model__min_samples_split": [2, 5, 10, 20], "model__min_samples_leaf": [1, 2, 5, 10], "prep__num": scalers},
        {"model": [LogisticRegression(max_iter=1000)], "model__C": [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100], "prep__num": scalers},
        {"model": [SVC(probability=True, random_state=42)], "model__kernel": ["rbf", "linear", "poly"],
         "model__C": [0.1, 0.3, 1, 3, 10], "prep__num": scalers},
        {"model": [HistGradientBoostingClassifier(early_stopping=False)], "model__learning_rate": [0.05, 0.1],
         "model__max_leaf_nodes": [15, 31], "model__max_iter": [100, 200], "prep__num": [StandardScaler()]},
    ]
    search = GridSearchCV(pipe, grid, scoring="roc_auc", cv=StratifiedKFold(5, shuffle=True, random_state=42), n_jobs=args.n_jobs)
    search.fit(x_train, y_train)
    best = search.best_estimator_
    test_auc = roc_auc_score(y_test, best.predict_proba(x_test)[:, 1])
    lap("search")

    permutation_importance(best, x_test, y_test, scoring="roc_auc", n_repeats=10, random_state=42, n_jobs=args.n_jobs)
    lap("permutation_importance")

    xt = best["prep"].transform(x_train)
    xs = best["prep"].transform(x_test)
    model = best["model"]
    background = shap.utils.sample(xt, 50, random_state=42)
    explainer = shap.PermutationExplainer(lambda z: model.predict_proba(z)[:, 1], shap.maskers.Independent(background, max_samples=50))
    explainer(xs, max_evals=200, silent=True)
    lap("shap")

    oof = cross_val_predict(best, df, y, cv=StratifiedKFold(5, shuffle=True, random_state=42), method="predict_proba", n_jobs=args.n_jobs)[:, 1]
    risk = oof >= 0.5
    high_profit = profit.to_numpy() >= np.median(profit)
    main_segment = int((risk & high_profit).sum())
    lap("segmentation")

    print(json.dumps({
        "seconds": t,
        "total": sum(t.values()),
        "customers": int(len(df)),
        "cv_roc_auc": float(search.best_score_),
        "test_roc_auc": float(test_auc),
        "best": str(search.best_params_["model"]),
        "main_segment": main_segment,
        "phik_cells": int(m.size + s.size),
    }))


if __name__ == "__main__":
    main()
