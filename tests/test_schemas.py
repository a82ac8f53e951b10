"""Checks for the JSON Schemas in schema/ (the content model contract).

- every schema is a valid draft 2020-12 schema without $id;
- every property, array item and $defs entry carries title, description and examples,
  and every example validates against the schema it annotates;
- every $ref resolves (files are registered under their bare file names);
- examples from the spec validate, and deliberately broken documents are rejected.
"""

import json
from pathlib import Path

import referencing
import referencing.jsonschema
import yaml
from jsonschema import Draft202012Validator

SCHEMA_DIR = Path(__file__).parents[1] / "schema"
KINDS = [
    "defs",
    "framework",
    "people",
    "teams",
    "calendars",
    "fields",
    "tiers",
    "trigger",
    "path",
    "playbook",
    "review",
    "doc",
    "tests",
    "targets",
    "report",
]
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def load_schemas():
    return {
        f"{kind}.schema.json": json.loads(
            (SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8")
        )
        for kind in KINDS
    }


SCHEMAS = load_schemas()
REGISTRY = referencing.Registry().with_resources(
    [
        (
            name,
            referencing.Resource.from_contents(
                schema, default_specification=referencing.jsonschema.DRAFT202012
            ),
        )
        for name, schema in SCHEMAS.items()
    ]
)


def validator(kind):
    return Draft202012Validator(SCHEMAS[f"{kind}.schema.json"], registry=REGISTRY)


def errors(kind, doc):
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator(kind).iter_errors(doc)]


class _StringDateLoader(yaml.SafeLoader):
    """SafeLoader that keeps unquoted dates/datetimes as strings, like the tool's loader."""


_StringDateLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text):
    return yaml.load(text, Loader=_StringDateLoader)


def clone(doc):
    return json.loads(json.dumps(doc))


# --------------------------------------------------------------------------- walking helpers
ANNOTATIONS = ("title", "description", "examples")


def iter_annotated(node, pointer="", constraint=False, needs=False):
    """Yield (pointer, schema) for each property, array item, additionalProperties and $defs entry.

    Sub-schemas of if/then/else/not/anyOf/... are constraints, not property definitions, so
    properties found inside them are not required to carry annotations.
    """
    if not isinstance(node, dict):
        return
    if needs and not constraint:
        yield pointer, node
    for key in ("properties", "$defs"):
        for name, sub in node.get(key, {}).items():
            yield from iter_annotated(sub, f"{pointer}/{key}/{name}", constraint, True)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from iter_annotated(node[key], f"{pointer}/{key}", constraint, True)
    for key in ("if", "then", "else", "not", "propertyNames"):
        if isinstance(node.get(key), dict):
            yield from iter_annotated(node[key], f"{pointer}/{key}", True, False)
    for key in ("anyOf", "oneOf", "allOf"):
        for i, sub in enumerate(node.get(key, [])):
            yield from iter_annotated(sub, f"{pointer}/{key}/{i}", True, False)


def iter_nodes(node, pointer=""):
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            if key in ("examples", "default", "const", "enum"):
                continue
            yield from iter_nodes(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from iter_nodes(value, f"{pointer}/{i}")


# --------------------------------------------------------------------------- meta tests
def test_all_schema_files_present_and_no_extras():
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.json")) == sorted(SCHEMAS)


def test_check_schema_and_root_metadata():
    for name, schema in SCHEMAS.items():
        Draft202012Validator.check_schema(schema)
        assert schema.get("$schema") == DRAFT, name
        assert schema.get("title") and schema.get("description"), name
        ids = [ptr for ptr, node in iter_nodes(schema) if "$id" in node]
        assert not ids, f"{name} has $id at {ids}"


def test_every_property_has_title_description_examples():
    missing = []
    count = 0
    for name, schema in SCHEMAS.items():
        for pointer, node in iter_annotated(schema):
            count += 1
            for key in ANNOTATIONS:
                if not node.get(key):
                    missing.append(f"{name}#{pointer}: {key}")
            examples = node.get("examples")
            if examples is not None and not (
                isinstance(examples, list) and 1 <= len(examples) <= 3
            ):
                missing.append(f"{name}#{pointer}: examples must be a list of 1-3 values")
    assert count > 150  # the walk really visited the schemas
    assert not missing, "\n".join(missing)


def test_examples_are_valid_against_their_own_schema():
    bad = []
    for name, schema in SCHEMAS.items():
        for pointer, node in iter_annotated(schema):
            check = Draft202012Validator({"$ref": f"{name}#{pointer}"}, registry=REGISTRY)
            for example in node.get("examples", []):
                errs = list(check.iter_errors(example))
                if errs:
                    bad.append(f"{name}#{pointer}: {example!r}: {errs[0].message}")
    assert not bad, "\n".join(bad)


def test_objects_are_closed():
    open_objects = []
    for name, schema in SCHEMAS.items():
        for pointer, node in iter_annotated(schema):
            if node.get("type") == "object" and node.get("additionalProperties") is not False:
                # free id -> value maps
                if pointer.rsplit("/", 1)[-1] in ("ticket", "set", "targets"):
                    assert isinstance(node.get("propertyNames"), dict), f"{name}#{pointer}"
                    continue
                open_objects.append(f"{name}#{pointer}")
    assert not open_objects, open_objects


def test_every_ref_resolves():
    refs = 0
    for name, schema in SCHEMAS.items():
        resolver = REGISTRY.resolver(base_uri=name)
        for pointer, node in iter_nodes(schema):
            if "$ref" in node:
                refs += 1
                resolved = resolver.lookup(node["$ref"])  # raises if unresolvable
                assert isinstance(resolved.contents, dict), f"{name}#{pointer}"
                if not node["$ref"].startswith("#"):
                    assert node["$ref"].startswith("defs.schema.json#/$defs/"), f"{name}#{pointer}"
    assert refs > 50


def test_unresolvable_ref_is_detected():
    resolver = REGISTRY.resolver(base_uri="trigger.schema.json")
    try:
        resolver.lookup("defs.schema.json#/$defs/no_such_def")
    except referencing.exceptions.Unresolvable:
        pass
    else:  # pragma: no cover
        raise AssertionError("lookup of a missing $def should fail")


# --------------------------------------------------------------------------- spec examples
TRIGGER_YAML = """\
# yaml-language-server: $schema=../../schema/trigger.schema.json
id: manager-request
name: Customer asks for a manager
type: customer_initiated
description: Escalates when the customer asks for a manager and nobody has replied yet.
precedence: 10
escalation_type: relationship
tier: tier-2
path: customer-escalation
enabled: true
when:
  any:
    - all:
        - {field: priority, op: in, value: [high, urgent]}
        - {field: account_tier, op: eq, value: enterprise}
    - all:
        - {field: csat_score, op: lte, value: 2}
after:
  target: tier-1.first_response
still:
  all:
    - {field: content, op: contains, value: [manager, supervisor]}
    - {field: first_agent_reply_at, op: is_unknown}
"""

FIELDS_YAML = """\
fields:
  - id: priority
    label: Priority
    hubspot_property: hs_ticket_priority
    type: enumeration
    custom: false
    description: Ticket priority.
    options:
      - value: high
        label: High
        hubspot: HIGH
  - id: first_agent_reply_at
    label: First agent reply
    hubspot_property: first_agent_reply_date
    type: datetime
    event_time: true
"""

CALENDARS_YAML = """\
calendars:
  - id: emea-business
    name: EMEA business hours
    timezone: Europe/Berlin
    hours:
      monday: ["09:00-17:30"]
      tuesday: ["09:00-12:00", "13:00-17:30"]
    holidays:
      - date: 2026-12-25
        name: Christmas Day
"""

PATH_YAML = """\
id: standard
name: Standard escalation path
description: Default path.
handoff: executive
levels:
  - id: team-lead
    name: Frontline team lead
    owner: person:maria-lopez
    assignees: [team:frontline]
    move_on:
      after: {duration: PT2H, clock: business}
      if: not_acknowledged
    notify:
      - to: owner
        via: [slack, hubspot]
      - to: "#escalations"
        via: [slack]
"""

REVIEW_YAML = """\
# yaml-language-server: $schema=../../schema/review.schema.json
id: 2026-10-monthly
title: October 2026 escalation review
period: {start: 2026-10-01, end: 2026-10-31}
held_on: 2026-11-05
facilitator: person:maria-lopez
participants: [person:a, person:b]
framework_version: 1.3.0
status: held
metrics:
  - {metric: escalation_rate, value: 4.2, target: 5.0, unit: percent}
root_causes:
  - cause: missing-runbook
    escalations: 7
    note: Mostly SSO.
action_items:
  - id: ai-2026-10-1
    title: Write the SSO outage runbook
    owner: person:dev-k
    due: 2026-11-30
    status: open
    addresses: missing-runbook
    type: prevent
"""

TESTS_YAML = """\
cases:
  - id: manager-request-by-email
    description: A customer asks for a manager.
    at: 2026-03-03T10:30:00+01:00
    ticket:
      subject: Please get me your manager
      priority: high
      created_at: 2026-03-03T09:00:00+01:00
    changes:
      - at: 2026-03-03T09:40:00+01:00
        set: {first_agent_reply_at: 2026-03-03T09:40:00+01:00}
    expect:
      trigger: manager-request
      tier: tier-2
      owner: person:maria-lopez
      type: relationship
  - id: quiet-ticket
    at: 2026-03-03T10:30:00Z
    ticket: {priority: low, csat_score: null}
    expect: {escalated: false}
"""

FRAMEWORK_YAML = """\
id: acme-support
name: Acme Cloud support escalation framework
version: 1.4.0
description: How Acme Cloud escalates.
owner: team:support-ops
review_cadence: P4W
default_calendar: emea-business
root_causes:
  - id: missing-runbook
    name: Missing or outdated runbook
    description: No runbook.
changelog:
  - version: 1.4.0
    date: 2026-11-02
    summary: Added triggers.
"""

VALID = {
    "trigger": TRIGGER_YAML,
    "fields": FIELDS_YAML,
    "calendars": CALENDARS_YAML,
    "path": PATH_YAML,
    "review": REVIEW_YAML,
    "tests": TESTS_YAML,
    "framework": FRAMEWORK_YAML,
}


def test_loader_keeps_dates_as_strings():
    doc = load_yaml(REVIEW_YAML)
    assert doc["held_on"] == "2026-11-05"
    assert load_yaml(TESTS_YAML)["cases"][0]["at"] == "2026-03-03T10:30:00+01:00"


def test_spec_examples_validate():
    for kind, text in VALID.items():
        assert errors(kind, load_yaml(text)) == [], kind


def _broken(kind, mutate):
    doc = load_yaml(VALID[kind])
    mutate(doc)
    return errors(kind, doc)


def _set_when(doc, when):
    doc["when"] = when


BROKEN = {
    "unknown key": ("framework", lambda d: d.update(colour="blue")),
    "missing required": ("framework", lambda d: d.pop("owner")),
    "duration with months": ("framework", lambda d: d.update(review_cadence="P1M")),
    "wrong enum": ("trigger", lambda d: d.update(type="agent_initiated")),
    "value on is_known": (
        "trigger",
        lambda d: _set_when(d, {"all": [{"field": "priority", "op": "is_known", "value": "high"}]}),
    ),
    "eq without value": (
        "trigger",
        lambda d: _set_when(d, {"all": [{"field": "priority", "op": "eq"}]}),
    ),
    "condition with any and all": (
        "trigger",
        lambda d: d["when"].update(all=[{"field": "x", "op": "is_known"}]),
    ),
    "after without still": ("trigger", lambda d: d.pop("still")),
    "still without after": ("trigger", lambda d: d.pop("after")),
    "after with target and duration": ("trigger", lambda d: d["after"].update(duration="PT2H")),
    "after with neither": ("trigger", lambda d: d.update(after={})),
    "bad tier target": ("trigger", lambda d: d.update(after={"target": "tier-1.sla"})),
    "enumeration without options": ("fields", lambda d: d["fields"][0].pop("options")),
    "options on non-enumeration": ("fields", lambda d: d["fields"][0].update(type="string")),
    "bad hours interval": (
        "calendars",
        lambda d: d["calendars"][0]["hours"].update(monday=["9:00-17:30"]),
    ),
    "unknown weekday": (
        "calendars",
        lambda d: d["calendars"][0]["hours"].update(funday=["09:00-17:30"]),
    ),
    "notify to nobody": ("path", lambda d: d["levels"][0]["notify"][0].update(to="everyone")),
    "two owners": ("path", lambda d: d["levels"][0].update(owner=["person:a", "person:b"])),
    "negative escalations": ("review", lambda d: d["root_causes"][0].update(escalations=-1)),
    "expect escalated false plus trigger": (
        "tests",
        lambda d: d["cases"][0]["expect"].update(escalated=False),
    ),
    "expect without trigger": ("tests", lambda d: d["cases"][0]["expect"].pop("trigger")),
    "expect escalated true": ("tests", lambda d: d["cases"][1].update(expect={"escalated": True})),
    "ticket value is an object": (
        "tests",
        lambda d: d["cases"][0]["ticket"].update(priority={"a": 1}),
    ),
    "datetime without offset": ("tests", lambda d: d["cases"][0].update(at="2026-03-03T10:30:00")),
}


def test_broken_documents_are_rejected():
    accepted = [label for label, (kind, mutate) in BROKEN.items() if not _broken(kind, mutate)]
    assert accepted == [], f"broken documents were accepted: {accepted}"


def test_error_messages_point_at_the_problem():
    errs = _broken("framework", lambda d: d.update(colour="blue"))
    assert any("colour" in e for e in errs), errs
    errs = _broken("trigger", lambda d: d.pop("still"))
    assert any("still" in e for e in errs), errs
    errs = _broken("fields", lambda d: d["fields"][0].pop("options"))
    assert any("options" in e for e in errs), errs


def test_trigger_without_wait_and_literal_duration_wait():
    doc = load_yaml(TRIGGER_YAML)
    doc.pop("after")
    doc.pop("still")
    assert errors("trigger", doc) == []
    doc = load_yaml(TRIGGER_YAML)
    doc["after"] = {"duration": "PT2H", "clock": "business", "calendar": "emea-business"}
    assert errors("trigger", clone(doc)) == []
