"""DeepL options that would change the translation, shared by ``/v2/translate`` and
``/v2/document``: what this server cannot honour is refused, never silently ignored."""

from __future__ import annotations

from collections.abc import Mapping

from service.errors import InvalidRequestError

# Options of DeepL's current clients (deepl-python 1.32 sends them) that ask for something
# this server does not have; ignoring one would answer a different translation than asked.
UNSUPPORTED_OPTIONS: Mapping[str, str] = {
    "style_id": "style rules",
    "translation_memory_id": "translation memories",
    "translation_memory_threshold": "translation memories",
    "custom_instructions": "custom instructions",
}


def refuse_unsupported(fields: Mapping[str, object]) -> None:
    """A 400 naming the first option present that this server cannot honour."""
    for name, feature in UNSUPPORTED_OPTIONS.items():
        if fields.get(name) not in (None, "", []):
            raise InvalidRequestError(
                f"'{name}' is not supported: this server has no {feature}; leave it out."
            )


def requested_glossary(fields: Mapping[str, object]) -> str | None:
    """The one glossary a request names, by ``glossary_id`` or DeepL's newer ``glossary_ids``
    (a JSON list, or comma-separated in a form); more than one is refused."""
    ids = _glossary_ids(fields.get("glossary_ids"))
    single = fields.get("glossary_id")
    if isinstance(single, str) and single:
        ids.insert(0, single)
    distinct = list(dict.fromkeys(ids))
    if len(distinct) > 1:
        raise InvalidRequestError(
            f"{len(distinct)} glossaries were given: this server applies one per request."
        )
    return distinct[0] if distinct else None


def _glossary_ids(value: object) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise InvalidRequestError("'glossary_ids' must be a list of glossary ids.")
    return [item.strip() for item in items if item.strip()]
