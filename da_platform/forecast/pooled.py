"""A global model pooled across wells: gradient-boosted quantiles of the rate's change after an origin.

Per-well candidates learn from one well's history; a pooled model learns how rates move after states
like the current one on *every* well: a recent level and slope, the water cut and GOR, the uptime, the
choke and the downhole pressure. Its target is the log of the rate ``lead`` days after an origin over
the last week's median rate, so wells of any size share one model. Three
``HistGradientBoostingRegressor(loss="quantile")`` fits give P10/P50/P90.

Honest by construction: a model for origin ``cutoff`` is trained only on pairs whose target day is on
or before it, across all wells (every well's past up to that calendar day is known then), and the
features at an origin read only the days up to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from da_platform.forecast.series import DailySeries, daily_series

LEADS = np.array([1, 3, 7, 14, 21, 30, 45, 60, 75, 90])  # days; a forecast interpolates between them
SPACING = 7  # days between the training origins of a well
MIN_PRODUCING = 30  # producing days in the last year an origin needs
MIN_TRAIN_ROWS = 200  # fewer (origin, lead) pairs before a cutoff: no model, the candidate declines
QUANTILES = (0.1, 0.5, 0.9)
FEATURES = (
    "lead",
    "log_level",
    "log_mean30_over_level",
    "slope30",
    "slope90",
    "water_cut",
    "log_gor",
    "uptime90",
    "choke",
    "choke_change30",
    "downhole_pressure",
    "downhole_pressure_slope90",
    "days_since_producing",
)


@dataclass(frozen=True)
class WellState:
    """One well's daily arrays on its oil series' calendar (NaN where not reported or not producing)."""

    well_id: str
    dates: np.ndarray  # datetime64[D]
    oil: np.ndarray
    water: np.ndarray
    gas: np.ndarray
    hours: np.ndarray
    choke: np.ndarray
    downhole_pressure: np.ndarray

    @classmethod
    def of(cls, rows: pl.DataFrame, series: DailySeries) -> WellState:
        """The well's state arrays from its silver rows, on ``series``' calendar."""
        n = len(series.dates)

        def on_calendar(col: str) -> np.ndarray:
            out = np.full(n, np.nan)
            if col not in rows.columns or n == 0:
                return out
            day = (rows["production_date"].cast(pl.Date).to_numpy().astype("datetime64[D]") - series.dates[0]).astype(
                int
            )
            keep = (day >= 0) & (day < n)
            out[day[keep]] = rows[col].cast(pl.Float64).to_numpy()[keep]
            return out

        def rate(product: str) -> np.ndarray:
            if f"{product}_sm3" not in rows.columns:
                return np.full(n, np.nan)
            other = daily_series(rows, product, series.well_id)
            if len(other.dates) != n:
                return np.full(n, np.nan)
            return other.rate

        choke = on_calendar("avg_choke_size_pct")
        pressure = on_calendar("avg_downhole_pressure_bar")
        pressure[pressure <= 0] = np.nan  # a zero gauge reading is no reading
        return cls(series.well_id, series.dates, series.rate, rate("water"), rate("gas"), series.hours, choke, pressure)


def _slope(t: np.ndarray, z: np.ndarray) -> float:
    ok = np.isfinite(z)
    if ok.sum() < 5:
        return 0.0
    tt = t[ok]
    if tt.max() - tt.min() < 3:
        return 0.0
    return float(np.polyfit(tt, z[ok], 1)[0])


def _median(v: np.ndarray) -> float:
    v = v[np.isfinite(v)]
    return float(np.median(v)) if len(v) else float("nan")


def features_at(w: WellState, i: int) -> np.ndarray | None:
    """The state features at origin index ``i`` (inclusive), lead left 0; None when the last year has
    fewer than ``MIN_PRODUCING`` producing days (no level to forecast from)."""
    lo = max(0, i - 364)
    oil = w.oil[lo : i + 1]
    prod = np.flatnonzero(np.isfinite(oil) & (oil > 0))
    if len(prod) < MIN_PRODUCING:
        return None
    t = np.arange(lo, i + 1, dtype=float)
    last = prod[-7:]
    level = float(np.median(oil[last]))
    log_oil = np.log(np.where(np.isfinite(oil) & (oil > 0), oil, np.nan))
    n = len(oil)
    water, gas = w.water[lo : i + 1], w.gas[lo : i + 1]
    recent = prod[-30:]
    liquid = oil[recent] + np.nan_to_num(water[recent])
    with np.errstate(invalid="ignore", divide="ignore"):
        cut = _median(np.where(liquid > 0, np.nan_to_num(water[recent]) / liquid, np.nan))
        gor = _median(gas[recent] / oil[recent])
    choke = w.choke[lo : i + 1]
    pressure = w.downhole_pressure[lo : i + 1]
    choke_now, choke_before = _median(choke[-7:]), _median(choke[-37:-30])
    return np.array(
        [
            0.0,
            np.log(max(level, 1e-6)),
            np.log(max(float(np.mean(oil[recent])), 1e-6) / max(level, 1e-6)),
            _slope(t[n - 30 :], log_oil[n - 30 :]),
            _slope(t[n - 90 :], log_oil[n - 90 :]),
            cut,
            np.log(gor) if np.isfinite(gor) and gor > 0 else np.nan,
            float(np.mean(w.hours[max(0, i - 89) : i + 1]) / 24.0),
            choke_now,
            choke_now - choke_before,
            _median(pressure[-7:]),
            _slope(t[n - 90 :], pressure[n - 90 :]),
            float(n - 1 - prod[-1]),
        ]
    )


def _cutoff(origin: np.datetime64) -> np.datetime64:
    """The first day of the origin's month: origins of one month share one training."""
    return np.datetime64(origin, "M").astype("datetime64[D]")


@dataclass
class PooledModel:
    """Training pairs of every well, and the quantile models fitted per cutoff (cached: wells share
    origins' cutoffs in the backtest)."""

    wells: dict[str, WellState]
    max_iter: int = 100
    _rows: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # features, target, target day
    _models: dict[np.datetime64, list[object] | None] = field(default_factory=dict)

    def _training_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._rows is None:
            xs, ys, days = [], [], []
            for w in self.wells.values():
                for i in range(MIN_PRODUCING, len(w.dates) - 1, SPACING):
                    f = features_at(w, i)
                    if f is None:
                        continue
                    level = np.exp(f[1])
                    j = i + LEADS
                    inside = j < len(w.dates)
                    for lead, jj in zip(LEADS[inside], j[inside], strict=True):
                        if np.isfinite(w.oil[jj]) and w.oil[jj] > 0:
                            row = f.copy()
                            row[0] = lead
                            xs.append(row)
                            ys.append(np.log(w.oil[jj] / level))
                            days.append(w.dates[jj])
            width = len(FEATURES)
            self._rows = (
                np.array(xs).reshape(-1, width),
                np.array(ys, dtype=float),
                np.array(days, dtype="datetime64[D]"),
            )
        return self._rows

    def models_at(self, origin: np.datetime64) -> list[object] | None:
        """The P10/P50/P90 models for an origin, trained on pairs whose target day is on or before the first
        day of the origin's month (at most a month of the known past left out, so that origins of one month
        share one training: the fits are the cost of this model)."""
        cutoff = _cutoff(origin)
        if cutoff not in self._models:
            from sklearn.ensemble import HistGradientBoostingRegressor  # loads on first use, not on import
            from threadpoolctl import threadpool_limits

            x, y, _ = self._training_pairs()
            known = self._rows_known(origin)
            # a feature no training pair reports (no choke, no gauge) is held at 0: the binning refuses a
            # column with no value at all
            x = np.where(~np.isfinite(x[known]).any(axis=0), 0.0, x)
            if known.sum() < MIN_TRAIN_ROWS:
                self._models[cutoff] = None
            else:
                # one thread: the fits are small, and OpenMP threads contending on a busy machine made
                # three fits take 150 s instead of 10 s
                with threadpool_limits(1):
                    self._models[cutoff] = [
                        HistGradientBoostingRegressor(
                            loss="quantile",
                            quantile=q,
                            max_iter=self.max_iter,
                            learning_rate=0.05,
                            max_leaf_nodes=15,
                            min_samples_leaf=40,
                            random_state=0,
                        ).fit(x[known], y[known])
                        for q in QUANTILES
                    ]
        return self._models[cutoff]

    def _rows_known(self, origin: np.datetime64) -> np.ndarray:
        """Which training pairs the model for ``origin`` is trained on (target day on or before its cutoff)."""
        return self._training_pairs()[2] <= _cutoff(origin)

    def forecast(self, well_id: str, origin: np.datetime64, horizon: int) -> tuple[np.ndarray, ...] | None:
        """P10, P50, P90 rates for the ``horizon`` days after ``origin`` (lead 1 first), or None when there
        is no model yet or the well has no state at the origin."""
        w = self.wells.get(well_id)
        if w is None or len(w.dates) == 0:
            return None
        i = int(np.searchsorted(w.dates, origin, side="right")) - 1
        f = features_at(w, i) if i >= 0 else None
        models = self.models_at(origin) if f is not None else None
        if f is None or models is None:
            return None
        x = np.tile(f, (len(LEADS), 1))
        x[:, 0] = LEADS
        train = self._training_pairs()[0]
        known = train[self._rows_known(origin)]
        x[:, ~np.isfinite(known).any(axis=0)] = 0.0  # as in training: a feature it never saw is 0
        leads = np.arange(1, horizon + 1, dtype=float)
        level = float(np.exp(f[1]))
        bands = [level * np.exp(np.interp(leads, LEADS, m.predict(x))) for m in models]  # type: ignore[attr-defined]
        p10, p50, p90 = np.sort(np.vstack(bands), axis=0)  # quantile fits can cross: keep them ordered
        return p10, p50, p90
