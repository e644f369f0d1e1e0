"""Expected values for tests/correlation.rs: φK and its significance from the Python phik
library on the model table of the original data (1296 customers x 17 columns: target and
16 features; id and Прибыль excluded).

The model table is rebuilt with pandas the way src/clean/mod.rs and src/merge.rs build it:
exact duplicate rows dropped, the published typos fixed, customers with zero revenue in
some period dropped, then customers whose revenue in some period has a robust z-score
(x - median) / (1.4826 * MAD) above 10 among the remaining ones; revenue and minutes
pivoted to wide columns (oldest period first) and joined onto market_file.csv in its row
order. Only statistics are printed, no rows of the data.

Regenerate (any machine with Python 3; the four original CSVs in DATA_DIR, by default
../shared/data/real relative to the repository root):
    python3 -m venv /tmp/oracle && /tmp/oracle/bin/pip install phik==0.12.5 scipy==1.17.1 pandas==3.1.1 numpy==2.4.6
    /tmp/oracle/bin/python tests/oracle/phik_oracle.py [DATA_DIR] > tests/fixtures/phik_originals.json
"""

import io
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import phik  # noqa: F401  (registers DataFrame.phik_matrix and DataFrame.significance_matrix)
import scipy

ID = "id"
PERIOD = "Период"
REVENUE = "Выручка"
MINUTES = "минут"
REVENUE_PERIODS = ["препредыдущий_месяц", "предыдущий_месяц", "текущий_месяц"]
TIME_PERIODS = ["предыдущий_месяц", "текущий_месяц"]
# (file, column) -> {as written: correct}, as in src/schema.rs
TYPOS = {
    ("market_file", "Тип сервиса"): {"стандартт": "стандарт"},
    ("market_file", "Популярная_категория"): {"Косметика и аксесуары": "Косметика и аксессуары"},
    ("market_time", PERIOD): {"предыдцщий_месяц": "предыдущий_месяц"},
}
CATEGORICAL = {"Покупательская активность", "Тип сервиса", "Разрешить сообщать", "Популярная_категория", PERIOD}
ANOMALY_Z = 10.0
INTERVAL_COLS = [
    "Маркет_актив_6_мес",
    "Длительность",
    "Акционные_покупки",
    "Страниц_за_визит",
    *(f"{REVENUE}_{p}" for p in REVENUE_PERIODS),
    *(f"Минут_{p}" for p in TIME_PERIODS),
]
SEED = 20240601


def read(path):
    """A file as strings, separator sniffed from the header (`,`, `;` or tab); exact
    duplicate rows (every field byte for byte, before any fix) dropped, the first kept;
    numbers parsed with either decimal mark."""
    text = path.read_text(encoding="utf-8")
    header = text.splitlines()[0]
    sep = max([",", ";", "\t"], key=header.count)
    df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    df.columns = [c.strip().strip('"') for c in df.columns]
    df = df[~df.duplicated(keep="first")].reset_index(drop=True)
    for c in df.columns:
        if c not in CATEGORICAL:
            values = df[c].str.strip()
            if sep != ",":
                values = values.str.replace(",", ".", n=1, regex=False)
            integers = values.str.fullmatch(r"[+-]?\d+").all()
            df[c] = pd.to_numeric(values).astype(np.int64 if integers else float)
    return df


def model_table(data_dir):
    tables = {name: read(data_dir / f"{name}.csv") for name in ["market_file", "market_money", "market_time", "money"]}
    for (name, column), fixes in TYPOS.items():
        tables[name][column] = tables[name][column].replace(fixes)

    # inactive customers: zero revenue in some period
    mm = tables["market_money"]
    inactive = set(mm.loc[(mm[REVENUE] == 0.0) & mm[PERIOD].isin(REVENUE_PERIODS), ID])
    # revenue anomalies among the active customers, per period
    anomalies = set()
    active = mm[~mm[ID].isin(inactive)]
    for period in REVENUE_PERIODS:
        x = active.loc[active[PERIOD] == period, [ID, REVENUE]]
        if x.empty:
            continue
        median = float(np.median(x[REVENUE]))
        scale = 1.4826 * float(np.median(np.abs(x[REVENUE] - median)))
        if scale == 0.0:
            continue
        z = (x[REVENUE] - median) / scale
        anomalies |= set(x.loc[z.abs() > ANOMALY_Z, ID])
    dropped = inactive | anomalies
    for name in tables:
        tables[name] = tables[name][~tables[name][ID].isin(dropped)].reset_index(drop=True)

    frame = tables["market_file"]
    revenue = tables["market_money"].pivot(index=ID, columns=PERIOD, values=REVENUE)[REVENUE_PERIODS]
    revenue.columns = [f"{REVENUE}_{p}" for p in REVENUE_PERIODS]
    minutes = tables["market_time"].pivot(index=ID, columns=PERIOD, values=MINUTES)[TIME_PERIODS]
    minutes.columns = [f"Минут_{p}" for p in TIME_PERIODS]
    frame = frame.join(revenue.astype(float), on=ID).join(minutes.astype(np.int64), on=ID)
    assert not frame.isna().any().any(), "a customer lacks a period after cleaning"
    assert frame[ID].is_unique and set(frame[ID]) == set(tables["money"][ID])
    return frame.drop(columns=[ID])


def matrix(df):
    return [[float(v) for v in row] for row in df.to_numpy()]


def main():
    root = Path(__file__).resolve().parents[2]
    data_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else root / ".." / "shared" / "data" / "real"
    df = model_table(data_dir)
    n, k = df.shape

    phik_m = df.phik_matrix(interval_cols=INTERVAL_COLS, verbose=False)
    asymptotic = df.significance_matrix(interval_cols=INTERVAL_COLS, significance_method="asymptotic", verbose=False)
    np.random.seed(SEED)
    hybrid = df.significance_matrix(interval_cols=INTERVAL_COLS, njobs=1, verbose=False)
    assert list(phik_m.columns) == list(asymptotic.columns) == list(hybrid.columns) == list(df.columns)

    comment = (
        f"Expected values from the Python phik library {phik.__version__} (scipy {scipy.__version__}, "
        f"pandas {'.'.join(pd.__version__.split('.')[:2])}) on the model table of the original data "
        f"({n} customers x {k} columns: target and {k - 1} features; id and Прибыль excluded), rebuilt with "
        "pandas exactly as src/clean/mod.rs and src/merge.rs do, by tests/oracle/phik_oracle.py: "
        "df.phik_matrix(interval_cols=interval_cols) with the defaults (bins=10, uniform, noise_correction=True); "
        "df.significance_matrix(interval_cols=..., significance_method='asymptotic'); and the default hybrid "
        f"significance (nsim=1000) with njobs=1 after np.random.seed({SEED}). Statistics only, no rows of the data."
    )
    out = {
        "_comment": comment,
        "interval_cols": INTERVAL_COLS,
        "columns": list(phik_m.columns),
        "phik": matrix(phik_m),
        "significance_asymptotic": matrix(asymptotic),
        "significance_hybrid": matrix(hybrid),
    }
    # like the committed fixture: UTF-8 names, one-space indent, no newline at the end
    sys.stdout.write(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
