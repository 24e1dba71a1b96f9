"""Drift alerts: a log line always, a Slack-compatible webhook when set; the Prometheus
gauges read the run's row (app/drift/metrics.py).

The webhook gets `{"text": ...}` (what Slack's incoming webhooks and their clones accept),
with a bounded number of retries and exponential back-off on network errors, 429 and 5xx. A
webhook that still fails is logged and reported as not delivered; it never fails the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from app.drift.stats import DriftResult
from app.logging import get_logger

log = get_logger(__name__)

BACKOFF_SECONDS = 0.5


def message(result: DriftResult, *, model_version: str, report_url: str | None) -> str:
    drifting = [c.name for c in result.features if c.status == "drift"][:5]
    lines = [
        f":warning: talent-match drift alert for model {model_version}: overall "
        f"{result.overall_score:.3f} > {result.threshold:.2f} ({result.overall_metric})",
    ]
    if drifting:
        lines.append("drifting features: " + ", ".join(drifting))
    if report_url:
        lines.append(f"report: {report_url}")
    return "\n".join(lines)


def post_webhook(
    url: str,
    text: str,
    *,
    retries: int,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """True once the webhook answered 2xx; False after `retries` further failed tries."""
    for attempt in range(retries + 1):
        try:
            response = httpx.post(url, json={"text": text}, timeout=timeout)
        except httpx.HTTPError as exc:
            log.warning("drift_webhook_failed", attempt=attempt + 1, error=type(exc).__name__)
        else:
            if response.is_success:
                return True
            log.warning("drift_webhook_failed", attempt=attempt + 1, status=response.status_code)
            if response.status_code < 500 and response.status_code != 429:
                return False
        if attempt < retries:
            sleep(BACKOFF_SECONDS * 2**attempt)
    return False


def publish(
    result: DriftResult,
    *,
    model_version: str,
    webhook_url: str | None,
    retries: int,
    timeout: float,
    report_url: str | None = None,
) -> bool | None:
    """The log always; the webhook when alerting and configured (None: not tried)."""
    if not result.alert:
        log.info("drift_checked", score=result.overall_score, metric=result.overall_metric)
        return None
    log.warning(
        "drift_alert",
        score=result.overall_score,
        threshold=result.threshold,
        metric=result.overall_metric,
        model_version=model_version,
    )
    if not webhook_url:
        return None
    text = message(result, model_version=model_version, report_url=report_url)
    return post_webhook(webhook_url, text, retries=retries, timeout=timeout)
