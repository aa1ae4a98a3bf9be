"""Track, register and promote forecasting policies with MLflow, one tracking store per environment.

A forecasting "model" here is a policy: a :class:`~da_platform.forecast.select.ForecastConfig` whose
per-well choice of candidate is made at forecast time. What we track and promote is that config plus its
backtest metrics; the registered artifact is a small pyfunc that runs :func:`forecast` with the config.

Every environment (``dev``, ``qa/pr-12``, ``prod``) owns its own tracking store and registry, so moving a
policy from one to the next is a copy across stores (:func:`promote`), never an alias in a shared one.

Design constraints, and why:

- Nothing here reads or writes environment variables, and nothing calls ``mlflow.set_tracking_uri``:
  that function writes ``MLFLOW_TRACKING_URI`` into ``os.environ`` (MLflow 3.x), which would leak one
  environment's store into every later call in the process. Every call goes through an
  ``MlflowClient`` built from a :class:`TrackingTarget` instead.
- MLflow is imported inside the functions: importing this module must stay cheap and side-effect free
  (``tests/test_no_import_side_effects.py``), and MLflow's import is heavy.
- The pyfunc is written with ``mlflow.pyfunc.save_model`` into a temporary folder and uploaded with the
  client, because the fluent ``mlflow.pyfunc.log_model`` only logs to the process-global store.
"""

from __future__ import annotations

import json
import math
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from da_platform.forecast.select import ForecastConfig

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Run
    from mlflow.entities.model_registry import ModelVersion

MODEL_NAME = "datalive_production_forecast"
_SQLITE = "sqlite:///"  # the scheme of a local store's URI (an absolute path follows)
EXPERIMENT_PREFIX = "datalive-forecast-"
CHAMPION_ALIAS = "champion"
# Promotion gate: the candidate may not be worse than the target's champion on either (lower is better).
GATE_METRICS = ("mase_30d", "mase_90d")
SELECTED_MODEL = "selected"  # the backtest row label of the per-well chosen method: the policy itself
MODEL_ARTIFACT_PATH = "model"
METRICS_ARTIFACT = "backtest_metrics.json"
CONFIG_ARTIFACT = "forecast_config.json"
PROMOTED_FROM_TAG = "promoted_from"
DEFAULT_HORIZON_DAYS = 30  # pyfunc predict params when the caller passes none
DEFAULT_PRODUCT = "oil"
_REQUIRED_COLUMNS = ("model", "horizon_days", "metric", "value", "beats_naive_share")
# Recorded in the model's requirements so a loader can see what it was built with; pinned from the
# installed versions (no resolver, no network) instead of MLflow's inference, which loads the model in a
# subprocess and is slow.
_REQUIREMENTS = ("mlflow", "polars", "pandas", "numpy", "scipy", "datalive")


@dataclass(frozen=True)
class TrackingTarget:
    """Where one environment keeps its runs and registered models.

    ``tracking_uri`` also serves as the registry URI: an environment's registry lives in its own store.
    ``artifact_root`` is a local path or a URI; experiments created here store artifacts below it.
    """

    tracking_uri: str
    artifact_root: str
    experiment: str
    model_name: str = MODEL_NAME

    @property
    def store_missing(self) -> bool:
        """True for a local SQLite store that does not exist yet (nothing was ever logged to it); a server's
        store is never missing here: whether it answers is its own question."""
        uri = self.tracking_uri
        return uri.startswith(_SQLITE) and not Path(uri.removeprefix(_SQLITE)).exists()


@dataclass(frozen=True)
class Candidate:
    """One registered version of the policy: its run, its version number and its flattened metrics."""

    run_id: str
    version: str
    summary: dict[str, float]


@dataclass(frozen=True)
class Promotion:
    """What :func:`promote` did: which source version became which target version, replacing what."""

    source_version: str
    target_version: str
    target_run_id: str
    previous_champion: str | None
    summary: dict[str, float]


class PromotionRefused(ValueError):
    """The candidate is worse than the target's champion on a gate metric; nothing was changed."""


def experiment_name(isolation_key: str) -> str:
    """``datalive-forecast-<isolation key>`` with ``/`` as ``-``: ``qa/pr-12`` -> ``datalive-forecast-qa-pr-12``."""
    return EXPERIMENT_PREFIX + isolation_key.replace("/", "-")


def local_store(env_root: Path) -> Path:
    """The SQLite file of an environment's own MLflow store, ``<env_root>/mlflow/mlflow.db`` (absolute).

    Absolute so the store does not depend on the working directory (a relative ``sqlite:///mlflow.db`` is
    MLflow's default and would land wherever the process was started).
    """
    return Path(env_root).resolve() / "mlflow" / "mlflow.db"


def dev_target(env_root: Path, isolation_key: str) -> TrackingTarget:
    """The local target of one environment: its SQLite store (:func:`local_store`) and artifacts beside it."""
    store = local_store(env_root)
    root = store.parent
    return TrackingTarget(
        tracking_uri=f"{_SQLITE}{store.as_posix()}",
        artifact_root=str(root / "artifacts"),
        experiment=experiment_name(isolation_key),
        model_name=MODEL_NAME,
    )


def server_target(tracking_uri: str, isolation_key: str) -> TrackingTarget:
    """The target of one environment on an MLflow tracking server (qa, prod; dev optionally).

    Artifacts go where the server keeps them (``--artifacts-destination``, proxied). A pull request shares
    the qa server, so its experiment and its registered model both carry the PR id: a PR's champion alias
    can never move qa's.
    """
    pr = isolation_key.split("/", 1)[1] if "/" in isolation_key else None
    return TrackingTarget(
        tracking_uri=tracking_uri,
        artifact_root="",
        experiment=experiment_name(isolation_key),
        model_name=f"{MODEL_NAME}-{pr}" if pr else MODEL_NAME,
    )


def target_for(tracking_uri: str | None, env_root: Path, isolation_key: str) -> TrackingTarget:
    """The environment's server target when it has a tracking server, else its local SQLite store."""
    return server_target(tracking_uri, isolation_key) if tracking_uri else dev_target(env_root, isolation_key)


_POLICY_MODEL_CLASS: type | None = None


def _policy_model_class() -> type:
    """Define the pyfunc wrapper on first use, because subclassing ``PythonModel`` needs MLflow imported.

    The class is bound to the module-level name ``ForecastPolicyModel`` so cloudpickle stores it by
    reference (``da_platform.forecast.tracking.ForecastPolicyModel``) and a loader imports this module
    rather than unpickling a copy of the code; the module ``__getattr__`` rebuilds it on that lookup.
    """
    global _POLICY_MODEL_CLASS
    if _POLICY_MODEL_CLASS is not None:
        return _POLICY_MODEL_CLASS
    import mlflow.pyfunc

    model_cls = _define_policy_model(mlflow.pyfunc.PythonModel)
    _POLICY_MODEL_CLASS = model_cls
    globals()["ForecastPolicyModel"] = model_cls
    return model_cls


@contextmanager
def _quiet_input_example_advice() -> Iterator[None]:
    """Silence MLflow's advice to log an input example, which does not apply here.

    The input is a whole frame of silver columns (polars or pandas) checked by ``daily_series``, not a
    fixed schema MLflow could enforce, so MLflow's UserWarning "An input example was not provided" on
    every save is noise. Every other warning still shows.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*An input example was not provided", category=UserWarning)
        yield


def _define_policy_model(base: type) -> type:
    """The pyfunc class itself, on MLflow's ``PythonModel`` passed in as ``base``."""
    import pandas as pd

    def _predict(self: Any, context: Any, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        """Forecast one well's history (polars or pandas silver-like rows) with the logged config."""
        from da_platform.forecast.select import forecast

        params = params or {}
        history = model_input if isinstance(model_input, pl.DataFrame) else pl.from_pandas(model_input)
        result = forecast(
            history,
            int(params.get("horizon_days", DEFAULT_HORIZON_DAYS)),
            str(params.get("product", DEFAULT_PRODUCT)),
            config=config_from_dict(self.config),
        )
        return result.points.select("date", "p10", "p50", "p90").to_pandas()

    # MLflow reads predict's hints with get_type_hints when the subclass is created. This module
    # postpones annotations (strings) and imports pandas lazily, so the strings would not resolve and
    # MLflow would warn on every definition; give it the objects. A pandas input hint is one MLflow does
    # not validate against, which is what we want: polars frames are accepted too.
    _predict.__annotations__ = {
        "context": Any,
        "model_input": pd.DataFrame,
        "params": dict[str, Any] | None,
        "return": pd.DataFrame,
    }

    class _ForecastPolicyModel(base):  # type: ignore[valid-type, misc]
        """A ForecastConfig as a pyfunc: ``predict`` forecasts one well's history with that config.

        Input: one well's silver-like daily rows (polars or pandas; see ``daily_series`` for columns).
        Params: ``horizon_days`` (default 30) and ``product`` (default ``oil``).
        Output: pandas frame of date, p10, p50, p90 (rate on producing days, Sm3/d).
        """

        def __init__(self, config: dict[str, Any]) -> None:
            self.config = dict(config)

        predict = _predict

    _ForecastPolicyModel.__name__ = _ForecastPolicyModel.__qualname__ = "ForecastPolicyModel"
    _ForecastPolicyModel.__module__ = __name__
    return _ForecastPolicyModel


def __getattr__(name: str) -> Any:
    # PEP 562: unpickling a saved model looks ``ForecastPolicyModel`` up by name; building the class on
    # that first lookup keeps ``import da_platform.forecast.tracking`` itself MLflow-free.
    if name == "ForecastPolicyModel":
        return _policy_model_class()
    raise AttributeError(name)


def config_to_dict(config: ForecastConfig) -> dict[str, Any]:
    """JSON-ready dict of the config (tuples as lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(config).items()}


def config_from_dict(data: dict[str, Any]) -> ForecastConfig:
    """Inverse of :func:`config_to_dict`; unknown keys are refused so a renamed field fails loudly."""
    known = {f.name for f in fields(ForecastConfig)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown ForecastConfig fields {sorted(unknown)}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    return ForecastConfig(**values)


def flatten_metrics(metrics: pl.DataFrame) -> dict[str, float]:
    """The policy's metrics as MLflow metric names: ``<metric>_<h>d``, ``beats_naive_share_<h>d``, ``windows_<h>d``.

    Only rows of the ``selected`` method count: that is the policy we register; other rows are the
    individual candidates and go to the ``backtest_metrics.json`` artifact.
    """
    missing = [c for c in _REQUIRED_COLUMNS if c not in metrics.columns]
    if missing:
        raise ValueError(f"metrics table is missing columns {missing} (expected the summarize() table of a backtest)")
    selected = metrics.filter(pl.col("model") == SELECTED_MODEL)
    if selected.is_empty():
        raise ValueError(f"metrics table has no rows for model {SELECTED_MODEL!r}: nothing describes the policy")
    out: dict[str, float] = {}
    for row in selected.iter_rows(named=True):
        horizon = int(row["horizon_days"])
        name = f"{row['metric']}_{horizon}d"
        if name in out:
            raise ValueError(f"metrics table has several {SELECTED_MODEL!r} rows for {name}")
        _put(out, name, row["value"])
        # beats_naive_share and windows repeat on every metric row of a horizon; the mase row is the one
        # they describe (windows with a producing day), so take them from there.
        if row["metric"] == "mase" or f"beats_naive_share_{horizon}d" not in out:
            _put(out, f"beats_naive_share_{horizon}d", row["beats_naive_share"])
            _put(out, f"windows_{horizon}d", row.get("windows"))
    return out


def _put(out: dict[str, float], name: str, value: Any) -> None:
    # A score with no windows behind it is left out rather than logged as NaN: absence says the same,
    # and NaN metrics sort and compare badly (NaN != NaN, NaN is never "worse" than anything).
    if value is not None and math.isfinite(float(value)):
        out[name] = float(value)


def _json_safe(value: Any) -> Any:
    # Strict JSON has no NaN; a missing score is null.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def _client(target: TrackingTarget) -> MlflowClient:
    from mlflow import MlflowClient

    # The registry lives in the same store as the runs: one environment, one store.
    return MlflowClient(tracking_uri=target.tracking_uri, registry_uri=target.tracking_uri)


def _artifact_location(target: TrackingTarget) -> str | None:
    root = target.artifact_root
    if not root:
        return None  # the tracking server's own artifact store
    # A plain path becomes an absolute file URI, so artifacts never depend on the working directory.
    base = root.rstrip("/") if "://" in root else Path(root).resolve().as_uri()
    return f"{base}/{target.experiment}"


def _experiment_id(client: MlflowClient, target: TrackingTarget) -> str:
    experiment = client.get_experiment_by_name(target.experiment)
    if experiment is not None:
        return experiment.experiment_id
    return client.create_experiment(target.experiment, artifact_location=_artifact_location(target))


def _ensure_registered_model(client: MlflowClient, name: str) -> None:
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        client.create_registered_model(name)


def _pip_requirements() -> list[str]:
    out = []
    for dist in _REQUIREMENTS:
        try:
            out.append(f"{dist}=={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            out.append(dist)
    return out


def _save_policy_model(config: ForecastConfig, path: Path) -> None:
    import mlflow.pyfunc
    from mlflow.models import ModelSignature
    from mlflow.types import ParamSchema, ParamSpec

    model_cls = _policy_model_class()
    # Params must be declared in the signature or pyfunc drops them before predict sees them. No input
    # schema: the input is a whole frame of silver columns (polars or pandas), checked by daily_series.
    signature = ModelSignature(
        inputs=None,
        params=ParamSchema(
            [
                ParamSpec("horizon_days", "long", DEFAULT_HORIZON_DAYS),
                ParamSpec("product", "string", DEFAULT_PRODUCT),
            ]
        ),
    )
    with _quiet_input_example_advice():
        mlflow.pyfunc.save_model(
            path=str(path),
            python_model=model_cls(config_to_dict(config)),
            signature=signature,
            pip_requirements=_pip_requirements(),
        )


def _register(client: MlflowClient, target: TrackingTarget, run_id: str) -> ModelVersion:
    _ensure_registered_model(client, target.model_name)
    # The source is the artifact URI itself (not runs:/...), so loading a version needs only the files.
    source = f"{client.get_run(run_id).info.artifact_uri}/{MODEL_ARTIFACT_PATH}"
    return client.create_model_version(target.model_name, source, run_id=run_id)


def log_candidate(
    target: TrackingTarget,
    config: ForecastConfig,
    metrics: pl.DataFrame,
    tags: dict[str, str] | None = None,
) -> Candidate:
    """Log one policy (config + backtest metrics) as a run and register it as a new model version.

    The run holds the config's fields as params, the ``selected`` rows flattened as metrics (see
    :func:`flatten_metrics`), the whole table as ``backtest_metrics.json``, the config as
    ``forecast_config.json`` and the pyfunc under ``model/``. The version is not made champion.
    """
    summary = flatten_metrics(metrics)  # validate before anything is written
    client = _client(target)
    experiment_id = _experiment_id(client, target)
    run = client.create_run(experiment_id, tags=dict(tags or {}), run_name="forecast-policy")
    run_id = run.info.run_id
    try:
        _log_params_and_metrics(client, run_id, config_to_dict(config), summary)
        with tempfile.TemporaryDirectory(prefix="datalive-mlflow-") as tmp:
            staging = Path(tmp)
            rows = [{k: _json_safe(v) for k, v in row.items()} for row in metrics.to_dicts()]
            (staging / METRICS_ARTIFACT).write_text(json.dumps(rows, indent=1))
            (staging / CONFIG_ARTIFACT).write_text(json.dumps(config_to_dict(config), indent=1))
            _save_policy_model(config, staging / MODEL_ARTIFACT_PATH)
            client.log_artifacts(run_id, str(staging))
    except BaseException:
        client.set_terminated(run_id, "FAILED")
        raise
    client.set_terminated(run_id, "FINISHED")
    version = _register(client, target, run_id)
    return Candidate(run_id=run_id, version=str(version.version), summary=summary)


def _log_params_and_metrics(
    client: MlflowClient, run_id: str, params: dict[str, Any], summary: dict[str, float]
) -> None:
    from mlflow.entities import Metric, Param

    client.log_batch(
        run_id,
        metrics=[Metric(k, v, _now_ms(), 0) for k, v in summary.items()],
        # Params are strings in MLflow; a tuple of candidates reads better comma-joined than as a repr.
        params=[Param(k, ",".join(v) if isinstance(v, list) else str(v)) for k, v in params.items()],
    )


def _now_ms() -> int:
    return int(time.time() * 1000)


def _candidate(client: MlflowClient, version: ModelVersion) -> Candidate:
    run: Run = client.get_run(version.run_id)
    return Candidate(run_id=version.run_id, version=str(version.version), summary=dict(run.data.metrics))


def drop_target(target: TrackingTarget) -> list[str]:
    """Delete the target's registered model and experiment (a closed pull request); returns what went.

    MLflow deletes experiments softly (``mlflow gc`` on the server purges them); the registered model and
    its versions are deleted at once, so the PR's champion alias is gone.
    """
    from mlflow.exceptions import MlflowException

    client = _client(target)
    dropped = []
    try:
        client.delete_registered_model(target.model_name)
        dropped.append(f"model {target.model_name}")
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
    experiment = client.get_experiment_by_name(target.experiment)
    if experiment is not None and experiment.lifecycle_stage == "active":
        client.delete_experiment(experiment.experiment_id)
        dropped.append(f"experiment {target.experiment}")
    return dropped


def champion(target: TrackingTarget) -> Candidate | None:
    """The version behind the ``champion`` alias with its logged metrics, or None if there is none yet."""
    from mlflow.exceptions import MlflowException

    client = _client(target)
    try:
        version = client.get_model_version_by_alias(target.model_name, CHAMPION_ALIAS)
    except MlflowException as exc:
        # No registered model (RESOURCE_DOES_NOT_EXIST) or no alias on it (MLflow reports that as
        # INVALID_PARAMETER_VALUE) both mean "no champion". Anything else, such as a broken store, must
        # raise: read as "no champion" it would let promote() skip the gate.
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return None
        raise
    return _candidate(client, version)


def set_champion(target: TrackingTarget, version: str) -> None:
    """Point the ``champion`` alias at ``version`` (which must exist in the target's registry)."""
    client = _client(target)
    client.get_model_version(target.model_name, str(version))  # fail clearly on an unknown version
    client.set_registered_model_alias(target.model_name, CHAMPION_ALIAS, str(version))


@dataclass(frozen=True)
class Rollback:
    """What :func:`rollback` did: the champion alias moved from one version to the one before it."""

    from_version: str
    to_version: str


class RollbackRefused(ValueError):
    """There is no champion, or no earlier version to roll back to; nothing was changed."""


def rollback(target: TrackingTarget) -> Rollback:
    """Point the ``champion`` alias at the version before the current champion (the highest registered
    version below it: in qa and prod each version is a promotion, so that is the previous champion)."""
    uri = target.tracking_uri
    store_missing = uri.startswith("sqlite:///") and not Path(uri.removeprefix("sqlite:///")).exists()
    current = None if store_missing else champion(target)  # (opening a missing store would create it)
    if current is None:
        raise RollbackRefused(f"{target.model_name} in {target.experiment} has no {CHAMPION_ALIAS!r} to roll back")
    client = _client(target)
    versions = sorted(int(v.version) for v in client.search_model_versions(f"name='{target.model_name}'"))
    earlier = [v for v in versions if v < int(current.version)]
    if not earlier:
        raise RollbackRefused(
            f"{target.model_name} version {current.version} is the first registered version: nothing to roll back to"
        )
    set_champion(target, str(earlier[-1]))
    return Rollback(from_version=current.version, to_version=str(earlier[-1]))


def _gate(candidate: Candidate, incumbent: Candidate, source: TrackingTarget, target: TrackingTarget) -> None:
    """Refuse when the candidate is worse (higher) on any gate metric; equal is not worse."""
    worse = []
    for metric in GATE_METRICS:
        new = candidate.summary.get(metric, float("nan"))
        old = incumbent.summary.get(metric, float("nan"))
        if math.isnan(new):
            # Without the score there is no evidence the candidate is not worse.
            worse.append(f"{metric}: candidate has no value, champion {old:.4f}")
        elif not math.isnan(old) and new > old:
            worse.append(f"{metric}: candidate {new:.4f} > champion {old:.4f}")
    if worse:
        raise PromotionRefused(
            f"refusing to promote {source.experiment} version {candidate.version} over "
            f"{target.experiment} champion version {incumbent.version} (lower is better): " + "; ".join(worse)
        )


def promote(source: TrackingTarget, target: TrackingTarget, version: str | None = None) -> Promotion:
    """Copy the source's champion (or ``version``) into the target's store and make it the target's champion.

    Refused with :class:`PromotionRefused` when the target has a champion that the candidate is worse than
    on ``mase_30d`` or ``mase_90d``. The copy is a new run in the target experiment with the same params,
    metrics and artifacts and a ``promoted_from=<source experiment>:<version>`` tag, registered as a new
    version of the target's model.
    """
    if source == target:
        raise ValueError("source and target are the same; promotion copies between environments")
    src = _client(source)
    if version is None:
        candidate = champion(source)
        if candidate is None:
            raise ValueError(f"{source.experiment} has no {CHAMPION_ALIAS!r} version to promote")
    else:
        candidate = _candidate(src, src.get_model_version(source.model_name, str(version)))
    incumbent = champion(target)
    if incumbent is not None:
        _gate(candidate, incumbent, source, target)

    src_run = src.get_run(candidate.run_id)
    dst = _client(target)
    experiment_id = _experiment_id(dst, target)
    # User tags travel with the policy; mlflow.* tags describe the source run (its name, user, source).
    tags = {k: v for k, v in src_run.data.tags.items() if not k.startswith("mlflow.")}
    tags[PROMOTED_FROM_TAG] = f"{source.experiment}:{candidate.version}"
    run = dst.create_run(experiment_id, tags=tags, run_name=src_run.info.run_name or "forecast-policy")
    run_id = run.info.run_id
    try:
        from mlflow.entities import Metric, Param

        dst.log_batch(
            run_id,
            metrics=[Metric(k, v, _now_ms(), 0) for k, v in src_run.data.metrics.items()],
            params=[Param(k, v) for k, v in src_run.data.params.items()],
        )
        with tempfile.TemporaryDirectory(prefix="datalive-mlflow-") as tmp:
            local = src.download_artifacts(candidate.run_id, "", dst_path=tmp)
            dst.log_artifacts(run_id, local)
    except BaseException:
        dst.set_terminated(run_id, "FAILED")
        raise
    dst.set_terminated(run_id, "FINISHED")
    new_version = _register(dst, target, run_id)
    set_champion(target, str(new_version.version))
    return Promotion(
        source_version=candidate.version,
        target_version=str(new_version.version),
        target_run_id=run_id,
        previous_champion=incumbent.version if incumbent else None,
        summary=candidate.summary,
    )


def load_champion_config(target: TrackingTarget) -> ForecastConfig:
    """The ForecastConfig of the target's champion (read from its ``forecast_config.json`` artifact)."""
    current = champion(target)
    if current is None:
        raise LookupError(f"{target.experiment} has no {CHAMPION_ALIAS!r} version of {target.model_name}")
    client = _client(target)
    with tempfile.TemporaryDirectory(prefix="datalive-mlflow-") as tmp:
        path = client.download_artifacts(current.run_id, CONFIG_ARTIFACT, dst_path=tmp)
        return config_from_dict(json.loads(Path(path).read_text()))


def load_champion_model(target: TrackingTarget) -> Any:
    """The champion as a loaded pyfunc, resolved through the target's own store (no global URI needed)."""
    import mlflow.pyfunc

    client = _client(target)
    version = client.get_model_version_by_alias(target.model_name, CHAMPION_ALIAS)
    return mlflow.pyfunc.load_model(version.source)
