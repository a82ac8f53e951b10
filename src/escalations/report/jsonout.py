"""The report as the JSON document schema/report.schema.json describes."""

from __future__ import annotations

from typing import Any

from escalations.report.model import Figure, Report, Timing

VERSION = 1


def to_json(report: Report) -> dict[str, Any]:
    """A JSON-ready dict; dates as ISO 8601, every computed figure with its ticket count."""
    return {
        "version": VERSION,
        "framework": {"id": report.framework, "version": report.framework_version},
        "period": {"since": report.since.isoformat(), "until": report.until.isoformat()},
        "as_of": report.as_of.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "escalations": report.escalations,
        "tickets": report.tickets,
        "rate": _figure(report.rate),
        "weeks": [
            {
                "week": w.start.isoformat(),
                "complete": w.complete,
                "escalations": w.escalations,
                "tickets": w.tickets,
                "rate": _figure(w.rate),
            }
            for w in report.weeks
        ],
        "splits": [
            {
                "dimension": split.dimension,
                "shares": [
                    {
                        "value": s.value,
                        "known": s.known,
                        "escalations": s.escalations,
                        "weekly": list(s.weekly),
                        "rate": _figure(s.rate),
                    }
                    for s in split.shares
                ],
            }
            for split in report.splits
        ],
        "timings": [_timing(t) for t in report.timings],
        "weekly_attainment": [
            {
                "measure": w.measure,
                "tier": w.tier,
                "week": w.week.isoformat(),
                "attainment": _figure(w.attainment),
            }
            for w in report.weekly_attainment
        ],
        "repeats": [
            {"company": r.company, "escalations": r.escalations, "tickets": list(r.tickets)}
            for r in report.repeats
        ],
        "open": {
            "escalations": report.open,
            "backlog": [
                {
                    "level": b.level,
                    "age": b.age,
                    "escalations": b.escalations,
                    "tickets": list(b.tickets),
                }
                for b in report.backlog
            ],
        },
        "levels_reached": [
            {
                "path": r.path,
                "level": r.level,
                "name": r.name,
                "escalations": r.escalations,
                "share": _figure(r.share),
            }
            for r in report.reached
        ],
        "set_apart": [{"ticket_id": s.ticket_id, "reason": s.reason} for s in report.set_apart],
        "notes": list(report.notes),
    }


def _figure(value: Figure) -> dict[str, Any]:
    return {"value": value.value, "tickets": value.tickets}


def _timing(timing: Timing) -> dict[str, Any]:
    return {
        "measure": timing.measure,
        "tier": timing.tier,
        "target": timing.target,
        "clock": timing.clock,
        "business_hours": {
            "median": _figure(timing.business_median),
            "p90": _figure(timing.business_p90),
        },
        "calendar_hours": {
            "median": _figure(timing.calendar_median),
            "p90": _figure(timing.calendar_p90),
        },
        "attainment": _figure(timing.attainment),
        "met": timing.met,
        "breaches": list(timing.breaches),
        "pending": timing.pending,
        "unmeasured": timing.unmeasured,
    }
