"""The service's figures in Prometheus' text exposition format (version 0.0.4)."""

from __future__ import annotations

from collections import Counter

from escalations.notify.outbox import Delivery, Figures

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def render_metrics(
    figures: Figures,
    deliveries: list[Delivery],
    pending_acknowledgements: int,
    requests: Counter[tuple[str, int]],
    failures: Counter[str],
) -> str:
    """Outbox depth and lag, deliveries by state, failures by cause (the outbox's failed
    deliveries and the service's own), requests by route and status."""
    causes: Counter[str] = Counter(failures)
    for delivery in deliveries:
        if delivery.state == "failed" and delivery.cause:
            causes[_cause(delivery.cause)] += 1
    lines = [
        *_family("escalations_outbox_depth", "gauge", "Deliveries still to send."),
        f"escalations_outbox_depth {figures.depth}",
        *_family("escalations_outbox_lag_seconds", "gauge",
                 "How long the oldest delivery still to send has waited."),
        f"escalations_outbox_lag_seconds {figures.lag_seconds:.3f}",
        *_family("escalations_outbox_deliveries", "gauge", "Deliveries by state."),
        *(f'escalations_outbox_deliveries{{state="{state}"}} {count}'
          for state, count in figures.by_state),
        *_family("escalations_outbox_given_up", "gauge", "Deliveries given up."),
        f"escalations_outbox_given_up {figures.given_up}",
        *_family("escalations_acknowledgements_pending", "gauge",
                 "Acknowledgements HubSpot has not taken yet."),
        f"escalations_acknowledgements_pending {pending_acknowledgements}",
        *_family("escalations_failures_total", "counter", "Failures by cause."),
        *(f'escalations_failures_total{{cause="{_label(cause)}"}} {count}'
          for cause, count in sorted(causes.items())),
        *_family("escalations_requests_total", "counter", "Requests by route and status."),
        *(f'escalations_requests_total{{route="{_label(route)}",status="{status}"}} {count}'
          for (route, status), count in sorted(requests.items())),
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def _family(name: str, kind: str, help_text: str) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]


def _cause(cause: str) -> str:
    # "ratelimited after 8 attempts" and "ratelimited" are one cause.
    return cause.split(" ", 1)[0]


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
