"""Alerts: what an alert says, how secrets are kept out of it, and where it goes (webhook, SNS or a log line).

Nothing here knows Dagster: the sensors in ``da_platform.defs.alerting`` build an :class:`Alert` from a
failed run or a freshness verdict and hand it to :func:`deliver` with the route chosen in ``env.py``.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal
from urllib.parse import quote

from da_platform.api.logs import redact as redact_keys
from da_platform.env import Settings

Severity = Literal["critical", "warning", "info"]
SEVERITY: dict[str, Severity] = {"prod": "critical", "qa": "warning", "dev": "info"}
LOGGER = "datalive.alerts"
MAX_DETAIL = 1500  # a chat message, not a stack trace: the link leads to the rest
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^\s/@:]+(:[^\s/@]*)?@")
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key(?:[_-]?id)?|sig|signature)"
    r"(['\"]?\s*[:=]\s*['\"]?)([^'\"\s,;&}]+)"
)
_AWS_ACCESS_KEY = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")


class AlertDeliveryError(RuntimeError):
    """The route did not accept the alert (the message names the route, never its URL)."""


@dataclass(frozen=True)
class Alert:
    """One notification: what happened, where, how bad, and where to look."""

    kind: Literal["run_failure", "freshness_breach"]
    environment: str  # the isolation key: dev, prod, qa or qa/pr-123
    pr: str | None
    severity: Severity
    title: str
    detail: str
    asset: str | None = None
    run_id: str | None = None
    job: str | None = None
    link: str | None = None

    def payload(self) -> dict[str, Any]:
        """Slack/Teams-style JSON: ``text`` is what a chat shows; the other fields are for machines."""
        where = self.asset or self.job or ""
        text = f"[{self.severity.upper()}] {self.environment}: {self.title}" + (f" ({where})" if where else "")
        text += f"\n{self.detail}" + (f"\n{self.link}" if self.link else "")
        return {"text": text, **asdict(self)}


def severity_for(settings: Settings) -> Severity:
    """prod alerts are critical, qa warnings, dev information."""
    return SEVERITY[settings.env]


def secret_values(settings: Settings) -> tuple[str, ...]:
    """Values from the settings that must never appear in an alert (whole values and their passwords)."""
    values: list[str] = []
    for raw in (settings.alert_webhook_url, settings.vector_dsn, settings.llm_api_key, settings.spark_remote):
        if not raw:
            continue
        values.append(raw)
        match = re.match(r"[a-z][a-z0-9+.\-]*://[^\s/@:]+:([^\s/@]+)@", raw)
        if match:
            values.append(match.group(1))
    return tuple(v for v in values if len(v) >= 4)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask known secret values, credentials inside URLs, ``password=…``-style pairs, AWS access keys and
    DatAlive API keys. Longest values first, so a password inside a masked DSN cannot survive."""
    for value in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(value, "***")
    text = _URL_CREDENTIALS.sub(r"\1***@", text)
    text = _SECRET_ASSIGNMENT.sub(r"\1\2***", text)
    text = _AWS_ACCESS_KEY.sub("***", text)
    return redact_keys(text)


def run_link(settings: Settings, run_id: str) -> str:
    """The run's page in the Dagster UI."""
    return f"{settings.dagster_base_url}/runs/{quote(run_id)}"


def asset_link(settings: Settings, asset: str) -> str:
    """The asset's page (with its checks) in the Dagster UI; ``asset`` is ``silver/well_day_production``."""
    return f"{settings.dagster_base_url}/assets/{quote(asset)}"


def run_failure_alert(settings: Settings, *, job: str, run_id: str, message: str) -> Alert:
    """The alert for a failed run: the job, the run's link and the failure message with secrets masked."""
    detail = redact(message or "the run failed", secret_values(settings))[:MAX_DETAIL]
    return Alert(
        kind="run_failure",
        environment=settings.isolation_key,
        pr=settings.pr_id,
        severity=severity_for(settings),
        title=f"run of {job} failed",
        detail=detail,
        job=job,
        run_id=run_id,
        link=run_link(settings, run_id),
    )


def freshness_alert(settings: Settings, *, asset: str, description: str, run_id: str | None = None) -> Alert:
    """The alert for a layer that stopped receiving production days."""
    return Alert(
        kind="freshness_breach",
        environment=settings.isolation_key,
        pr=settings.pr_id,
        severity=severity_for(settings),
        title=f"{asset} is stale",
        detail=redact(description, secret_values(settings))[:MAX_DETAIL],
        asset=asset,
        run_id=run_id,
        link=run_link(settings, run_id) if run_id else asset_link(settings, asset),
    )


def _post_webhook(url: str, alert: Alert, timeout: float) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(alert.payload()).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "datalive-alerts"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status >= 300:
                raise AlertDeliveryError(f"the alert webhook answered {response.status}")
    except AlertDeliveryError:
        raise
    except Exception as exc:  # the exception text can carry the URL (and its token): name the type only
        raise AlertDeliveryError(f"the alert webhook is unreachable: {type(exc).__name__}") from None


def _publish_sns(topic_arn: str, alert: Alert, client_factory: Callable[[str], Any] | None) -> None:
    region = topic_arn.split(":")[3]
    if client_factory is None:
        import boto3

        client = boto3.client("sns", region_name=region)
    else:
        client = client_factory(region)
    body = alert.payload()
    client.publish(
        TopicArn=topic_arn,
        Subject=body["text"].splitlines()[0][:100],  # SNS subjects: one line, at most 100 characters
        Message=json.dumps(body),
        MessageAttributes={
            "environment": {"DataType": "String", "StringValue": alert.environment},
            "severity": {"DataType": "String", "StringValue": alert.severity},
        },
    )


def deliver(
    alert: Alert,
    settings: Settings,
    *,
    timeout: float = 10.0,
    sns_client_factory: Callable[[str], Any] | None = None,
) -> str:
    """Send ``alert`` down the environment's route (``settings.alert_route``) and return that route's name."""
    route = settings.alert_route
    if route == "webhook":
        _post_webhook(str(settings.alert_webhook_url), alert, timeout)
    elif route == "sns":
        _publish_sns(str(settings.alert_sns_topic_arn), alert, sns_client_factory)
    else:
        level = {"critical": logging.CRITICAL, "warning": logging.WARNING, "info": logging.INFO}[alert.severity]
        logging.getLogger(LOGGER).log(level, json.dumps(alert.payload()), extra={"event": "alert"})
    return route
