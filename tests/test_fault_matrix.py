"""Every fault kind on every kind of write a publish makes: it converges, nothing twice or lost."""

from __future__ import annotations

import pytest

from escalations.model.framework import Framework

from .fault_matrix import RETRIED_LATER, Fault, Write, cases, run_case


@pytest.mark.parametrize(
    ("write", "fault"), list(cases()), ids=lambda item: getattr(item, "label", None) or item.name
)
def test_a_publish_converges_after_the_fault(
    framework: Framework, write: Write, fault: Fault
) -> None:
    outcome = run_case(framework, write, fault)
    assert outcome.converged, outcome.errors
    assert outcome.duplicates == 0
    # What can be retried safely is retried in the same run; a daily limit needs the next
    # day's run, and a query that lags makes duplicates that the next run removes.
    assert outcome.runs <= (2 if fault.kind in RETRIED_LATER else 1), outcome.errors
    assert bool(outcome.errors) == (fault.kind == "daily"), outcome.errors
