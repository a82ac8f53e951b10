"""Trend charts of a report as PNG files: weekly volume and rate, attainment per tier."""

from __future__ import annotations

import io
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as Canvas
from matplotlib.ticker import MaxNLocator

from escalations.report.model import Figure, Report
from escalations.report.sections import Chart

VOLUME = Chart("volume", "Escalations per week (bars) and escalations per 100 tickets (line)")
ATTAINMENT = Chart("attainment", "Attainment of the first-response and resolution targets per tier")
CHARTS = (VOLUME, ATTAINMENT)

# No Software or date text chunks: the same report gives byte-identical files.
_METADATA: dict[str, str | None] = {"Software": None}
_SIZE = (8.0, 4.0)
_DPI = 100


def charts_of(report: Report) -> tuple[Chart, ...]:
    """The charts a report has: attainment only when some week has an attainment figure."""
    drawn: tuple[Chart, ...] = (VOLUME,) if report.weeks else ()
    if any(w.attainment.value is not None for w in report.weekly_attainment):
        drawn += (ATTAINMENT,)
    return drawn


def render_chart(report: Report, chart: Chart) -> bytes:
    """One chart as PNG bytes."""
    canvas = Canvas(figsize=_SIZE, dpi=_DPI, layout="constrained")
    FigureCanvasAgg(canvas)
    labels = [f"{w.start:%m-%d}" for w in report.weeks]
    if chart == VOLUME:
        axes = canvas.subplots()
        axes.bar(labels, [w.escalations for w in report.weeks], color="#4c72b0")
        axes.set_ylabel("escalations")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("week of (Monday, UTC)")
        rates = axes.twinx()
        rates.plot(labels, [_point(w.rate) for w in report.weeks], color="#dd8452", marker="o")
        rates.set_ylabel("per 100 tickets")
        rates.set_ylim(bottom=0)
        axes.set_title("Escalations per week")
    else:
        both = canvas.subplots(1, 2, sharey=True)
        for axes, measure in zip(both, ("first_response", "resolution"), strict=True):
            tiers = sorted({w.tier for w in report.weekly_attainment if w.measure == measure})
            for tier in tiers:
                cells = [
                    w for w in report.weekly_attainment if w.measure == measure and w.tier == tier
                ]
                axes.plot(labels, [_point(c.attainment) for c in cells], marker="o", label=tier)
            axes.set_title(measure.replace("_", " "))
            axes.set_ylim(0, 105)
            axes.set_xlabel("week of")
        both[0].set_ylabel("% within target")
        both[1].legend(loc="lower right")
    for axes in canvas.get_axes():
        axes.tick_params(axis="x", labelrotation=45)
    buffer = io.BytesIO()
    canvas.savefig(buffer, format="png", metadata=_METADATA)
    return buffer.getvalue()


def chart_table(
    report: Report, chart: Chart
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """The figures a chart plots, as a header and rows of text (where an image cannot go)."""
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    if chart == VOLUME:
        header = ("Week of", "Escalations", "Tickets", "Per 100 tickets")
        rows = tuple(
            (f"{w.start}", str(w.escalations), _text(w.tickets), _text(w.rate.value))
            for w in report.weeks
        )
        return header, rows
    header = ("Week of", "Measure", "Tier", "% within target", "Tickets")
    rows = tuple(
        (f"{w.week}", w.measure.replace("_", " "), w.tier, _text(w.attainment.value),
         str(w.attainment.tickets))
        for w in report.weekly_attainment
    )  # fmt: skip
    return header, rows


def _text(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _point(value: Figure) -> float:
    """A plotted value; a figure over 0 tickets leaves a gap in the line."""
    return float("nan") if value.value is None else value.value


def write_charts(report: Report, out_dir: Path) -> list[Path]:
    """The report's charts written as `<name>.png` in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for chart in charts_of(report):
        path = out_dir / f"{chart.name}.png"
        path.write_bytes(render_chart(report, chart))
        written.append(path)
    return written
