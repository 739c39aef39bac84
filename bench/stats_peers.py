"""Times the Python packages that produced cxm-stats' golden values, on the same inputs that
`cxm bench-stats` reads, and writes the synthetic raking sample both use.

Usage: stats_peers.py SHARED_DIR WORK_DIR REPEAT
Prints `task seconds` lines (median of REPEAT runs), like `cxm bench-stats`.
"""

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

shared, work, repeat = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
sys.path.insert(0, str(shared / "golden" / "reference"))

RAKING_ROWS = 1_000_000
SYNTHETIC_CUSTOMERS = 1_000_000
TARGETS = {"region": [0.30, 0.45, 0.25], "age": [0.28, 0.37, 0.35], "gender": [0.51, 0.49]}


def median_time(task, runs=None):
    times = []
    for _ in range(runs or repeat):
        started = time.perf_counter()
        task()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def raking_sample():
    """A deliberately unrepresentative sample (too many of the first categories)."""
    rng = np.random.default_rng(20261123)
    frame = pd.DataFrame({
        "region": rng.choice(3, RAKING_ROWS, p=[0.45, 0.35, 0.20]),
        "age": rng.choice(3, RAKING_ROWS, p=[0.45, 0.30, 0.25]),
        "gender": rng.choice(2, RAKING_ROWS, p=[0.35, 0.65]),
    })
    frame.to_csv(work / "raking_1m.csv", index=False)
    return frame


def synthetic_customers():
    """1,000,000 customers drawn from BG/NBD and Gamma-Gamma with CDNOW's published parameters
    (r=0.243, alpha=4.414, a=0.793, b=2.426; p=6.25, q=3.74, gamma=15.44), first purchases spread
    over 12 weeks, observed to week 78, purchase times recorded by day (in weeks, like CDNOW)."""
    rng = np.random.default_rng(20261124)
    n = SYNTHETIC_CUSTOMERS
    rate = rng.gamma(0.243, 1 / 4.414, n)
    dropout = rng.beta(0.793, 2.426, n)
    first_day = rng.integers(0, 84, n)
    age = (546 - first_day) / 7.0
    time = np.zeros(n)
    last = np.zeros(n)
    frequency = np.zeros(n, dtype=np.int64)
    active = np.ones(n, dtype=bool)
    while active.any():
        time[active] += rng.exponential(1.0, active.sum()) / rate[active]
        bought = active & (time <= age)
        frequency += bought
        last = np.where(bought, time, last)
        active = bought & (rng.random(n) >= dropout)
    recency = np.floor(last * 7.0) / 7.0
    mean_value = rng.gamma(3.74, 1 / 15.44, n)
    repeats = np.maximum(frequency, 1)
    monetary = np.where(frequency > 0, np.round(rng.gamma(6.25 * repeats, 1.0) / (mean_value * repeats), 2), 0.0)
    frame = pd.DataFrame({"customer": np.arange(n), "frequency": frequency, "recency": recency,
                          "T": age, "monetary_value": monetary})
    frame.to_csv(work / "customers_1m.csv", index=False)
    return frame


def bgnbd_grouped(summary, repeat):
    """lifetimes given each distinct history once with its count (its `weights` argument), the
    grouping cxm does internally; the grouping itself is timed too."""
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    def fit():
        histories = summary.groupby(["frequency", "recency", "T"]).size().reset_index(name="n")
        BetaGeoFitter(penalizer_coef=0.0).fit(histories["frequency"], histories["recency"], histories["T"],
                                              weights=histories["n"])
        repeaters = summary[summary["frequency"] > 0]
        spend = repeaters.groupby(["frequency", "monetary_value"]).size().reset_index(name="n")
        GammaGammaFitter(penalizer_coef=0.0).fit(spend["frequency"], spend["monetary_value"], weights=spend["n"])

    return median_time(fit, repeat), len(summary)


def bgnbd(summary, repeat=repeat):
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    def fit():
        BetaGeoFitter(penalizer_coef=0.0).fit(summary["frequency"], summary["recency"], summary["T"])
        repeaters = summary[summary["frequency"] > 0]
        GammaGammaFitter(penalizer_coef=0.0).fit(repeaters["frequency"], repeaters["monetary_value"])

    return median_time(fit, repeat), len(summary)


def key_drivers():
    import relweights_reference as reference
    data = pd.read_csv(shared / "data" / "survey_airline_passenger_satisfaction" / "airline_passenger_satisfaction.csv")
    ratings = list(data.columns[9:23])
    data["satisfied"] = (data["Satisfaction"] == "Satisfied").astype(float)

    def analyse():
        # The work cxm's key_drivers does: correlations, betas, relative weights, exact Shapley.
        rxx, rxy = reference.corr_parts(data, "satisfied", ratings)
        reference.johnson_relative_weights(rxx, rxy)
        np.linalg.solve(rxx, rxy)
        reference.shapley_r2(rxx, rxy)

    return median_time(analyse), len(data), len(ratings)


def raking(frame):
    from ipfn import ipfn
    n = len(frame)
    aggregates = [pd.Series(np.array(TARGETS[v]) * n, index=range(len(TARGETS[v]))).rename_axis(v) for v in TARGETS]

    def run():
        table = frame.copy()
        table["w"] = 1.0
        ipfn.ipfn(table, aggregates, [[v] for v in TARGETS], weight_col="w", convergence_rate=1e-10, max_iteration=1000).iteration()

    return median_time(run), n


frame = raking_sample()
seconds, customers = bgnbd(pd.read_csv(shared / "golden" / "cdnow_summary.csv"))
print(f"bgnbd_gammagamma_fit {seconds:.6f} customers={customers}")
# lifetimes needs minutes per fit on a million customers: fewer runs.
customers_1m = synthetic_customers()
seconds, customers = bgnbd(customers_1m, min(repeat, 3))
print(f"bgnbd_gammagamma_fit_synthetic {seconds:.6f} customers={customers}", flush=True)
seconds, customers = bgnbd_grouped(customers_1m, min(repeat, 3))
print(f"bgnbd_gammagamma_fit_synthetic_grouped {seconds:.6f} customers={customers}", flush=True)
seconds, rows, predictors = key_drivers()
print(f"key_drivers_airline {seconds:.6f} rows={rows} predictors={predictors}")
seconds, rows = raking(frame)
print(f"raking {seconds:.6f} rows={rows}")
