"""Block Kit checks of the Slack emulator: the limits of reference §1.4, as Slack words them."""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = 50
"""Blocks per message (reference §1.4, docs.slack.dev/reference/block-kit/blocks)."""

MAX_TEXT = 40_000
"""Characters of a message's `text` (reference §1.3)."""

# (object, field) -> the longest text allowed, each from reference §1.4 (slack_sdk's validators)
LENGTHS = {
    "block_id": 255,
    "section": 3000,
    "field": 2000,
    "header": 150,
    "markdown": 12_000,
    "button": 75,
    "action_id": 255,
    "value": 2000,
    "url": 3000,
    "accessibility_label": 75,
}
# static_select (python-slack-sdk 3.48 slack_sdk/models/blocks/: block_elements.py
# StaticSelectElement.options_max_length = 100, InputInteractiveElement.placeholder_max_length =
# 150; basic_components.py Option.label_max_length = 75, value_max_length = 150).
SELECT = {"options": 100, "placeholder": 150, "option_text": 75, "option_value": 150}
ITEMS = {"fields": 10, "context": 10, "actions": 25}
"""The most items of a section's `fields`, a context's and an actions block's `elements`."""

TEXT_TYPES = ("plain_text", "mrkdwn")
UNCHECKED_BLOCKS = ("divider", "image", "rich_text", "input", "file", "video")
"""Block types accepted without checks beyond `block_id` (the notifier does not send them)."""

BUTTON_STYLES = ("primary", "danger")


def check_blocks(blocks: Any) -> list[str]:
    """What is wrong with a message's `blocks`, in Slack's `invalid_blocks` wording:
    `<problem> [json-pointer:<where>]` (reference §1.3); empty when they are valid."""
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    if len(blocks) > MAX_BLOCKS:
        return [f"no more than {MAX_BLOCKS} items allowed [json-pointer:/blocks]"]
    problems: list[str] = []
    for index, block in enumerate(blocks):
        _check_block(block, f"/blocks/{index}", problems)
    return problems


def _check_block(block: Any, at: str, problems: list[str]) -> None:
    if not isinstance(block, dict):
        problems.append(f"must be an object [json-pointer:{at}]")
        return
    _check_length(block, "block_id", LENGTHS["block_id"], at, problems)
    kind = block.get("type")
    if kind == "section":
        if "text" not in block and "fields" not in block:
            problems.append(f"must have a text or fields [json-pointer:{at}]")
        if "text" in block:
            _check_text(block["text"], TEXT_TYPES, LENGTHS["section"], f"{at}/text", problems)
        if "fields" in block:
            _check_items(block["fields"], "fields", f"{at}/fields", problems, LENGTHS["field"])
        if "accessory" in block:
            _check_element(block["accessory"], f"{at}/accessory", problems)
    elif kind == "context":
        _check_items(block.get("elements"), "context", f"{at}/elements", problems, None)
    elif kind == "actions":
        elements = block.get("elements")
        _check_items(elements, "actions", f"{at}/elements", problems, None)
        if isinstance(elements, list):
            seen: set[str] = set()
            for index, element in enumerate(elements):
                _check_element(element, f"{at}/elements/{index}", problems)
                action_id = element.get("action_id") if isinstance(element, dict) else None
                if isinstance(action_id, str) and action_id in seen:
                    where = f"{at}/elements/{index}/action_id"
                    problems.append(f"must be unique in the block [json-pointer:{where}]")
                seen.add(str(action_id))
    elif kind == "header":
        _check_text(block.get("text"), ("plain_text",), LENGTHS["header"], f"{at}/text", problems)
    elif kind == "markdown":
        _check_string(block.get("text"), LENGTHS["markdown"], f"{at}/text", problems)
    elif kind not in UNCHECKED_BLOCKS:
        problems.append(f"unsupported type {kind!r} [json-pointer:{at}/type]")


def _check_items(items: Any, kind: str, at: str, problems: list[str], longest: int | None) -> None:
    if not isinstance(items, list) or not items:
        problems.append(f"must be a non-empty array [json-pointer:{at}]")
        return
    if len(items) > ITEMS[kind]:
        problems.append(f"no more than {ITEMS[kind]} items allowed [json-pointer:{at}]")
    if longest is None:
        if kind == "context":
            for index, item in enumerate(items):
                if not (isinstance(item, dict) and item.get("type") == "image"):
                    _check_text(item, TEXT_TYPES, None, f"{at}/{index}", problems)
        return
    for index, item in enumerate(items):
        _check_text(item, TEXT_TYPES, longest, f"{at}/{index}", problems)


def _check_element(element: Any, at: str, problems: list[str]) -> None:
    if not isinstance(element, dict):
        problems.append(f"must be an object [json-pointer:{at}]")
        return
    if element.get("type") == "static_select":
        _check_select(element, at, problems)
        return
    if element.get("type") != "button":
        return
    _check_text(element.get("text"), ("plain_text",), LENGTHS["button"], f"{at}/text", problems)
    if "action_id" in element:
        _check_string(element["action_id"], LENGTHS["action_id"], f"{at}/action_id", problems)
    for name in ("value", "url", "accessibility_label"):
        _check_length(element, name, LENGTHS[name], at, problems)
    if "style" in element and element["style"] not in BUTTON_STYLES:
        problems.append(f"must be one of primary, danger [json-pointer:{at}/style]")


def _check_select(element: dict[str, Any], at: str, problems: list[str]) -> None:
    if "action_id" in element:
        _check_string(element["action_id"], LENGTHS["action_id"], f"{at}/action_id", problems)
    if "placeholder" in element:
        _check_text(element["placeholder"], ("plain_text",), SELECT["placeholder"],
                    f"{at}/placeholder", problems)  # fmt: skip
    options = element.get("options")
    if not isinstance(options, list) or not options:
        problems.append(f"must be a non-empty array [json-pointer:{at}/options]")
        return
    if len(options) > SELECT["options"]:
        problems.append(
            f"no more than {SELECT['options']} items allowed [json-pointer:{at}/options]"
        )
    for index, option in enumerate(options):
        where = f"{at}/options/{index}"
        if not isinstance(option, dict):
            problems.append(f"must be an object [json-pointer:{where}]")
            continue
        _check_text(option.get("text"), ("plain_text",), SELECT["option_text"], f"{where}/text",
                    problems)  # fmt: skip
        _check_string(option.get("value"), SELECT["option_value"], f"{where}/value", problems)


def _check_text(
    text: Any, types: tuple[str, ...], longest: int | None, at: str, problems: list[str]
) -> None:
    if not isinstance(text, dict):
        problems.append(f"must be a text object [json-pointer:{at}]")
        return
    if text.get("type") not in types:
        problems.append(f"must be of type {' or '.join(types)} [json-pointer:{at}/type]")
    _check_string(text.get("text"), longest, f"{at}/text", problems)


def _check_length(
    owner: dict[str, Any], name: str, longest: int, at: str, problems: list[str]
) -> None:
    if name in owner:
        _check_string(owner[name], longest, f"{at}/{name}", problems)


def _check_string(value: Any, longest: int | None, at: str, problems: list[str]) -> None:
    if not isinstance(value, str):
        problems.append(f"must be a string [json-pointer:{at}]")
    elif not value:
        problems.append(f"must be more than 0 characters [json-pointer:{at}]")
    elif longest is not None and len(value) > longest:
        problems.append(f"must be less than {longest + 1} characters [json-pointer:{at}]")
