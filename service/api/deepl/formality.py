"""DeepL's ``formality``, shared by ``/v2/translate`` and ``/v2/document``."""

from __future__ import annotations

from service.errors import InvalidRequestError

# DeepL's values; no served target has formality (``supports_formality`` is false in
# /v2/languages), so only those that fall back to the default are honoured.
FORMALITY_VALUES = frozenset({"default", "more", "less", "prefer_more", "prefer_less"})
_FORMALITY_FALLS_BACK = frozenset({"default", "prefer_more", "prefer_less"})


def check_formality(formality: str | None) -> None:
    """Refuse what DeepL refuses for a target language without formality, in its words."""
    if formality is None or formality.lower() in _FORMALITY_FALLS_BACK:
        return
    if formality.lower() in FORMALITY_VALUES:
        raise InvalidRequestError("'formality' is not supported for given 'target_lang'.")
    raise InvalidRequestError("Value for 'formality' not supported.")
