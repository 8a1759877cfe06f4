"""Text handling: from a request's text to model inputs, and from their translations back.

Pure Python, no web framework: the serving code calls it around the translator.

- Sentences come from `sentencex` for the source language; line breaks are boundaries too.
- Whitespace (newlines, blank lines, indentation, CRLF, spaces between sentences) never reaches
  the model and comes back byte for byte.
- Placeholders (``{name}``, ``{{var}}``, ``%s``, ``%1$s``, tags, entities, URLs, e-mail addresses)
  reach the model as sentinels ``[1]``, ``[2]``, ... (see ``_placeholders`` for why that form)
  and come back verbatim. A sentinel the model invents (numbered beyond the sentence's
  placeholders) is dropped. Given the beam's hypotheses, ``choose`` keeps the first that returns
  every placeholder. A translation that drops, duplicates or mangles a sentinel is detected; its
  sentence is then translated again as the pieces between the placeholders, which are put back
  verbatim in between, so no placeholder and no text is ever lost.
- Protected terms (a glossary's source terms, found by the caller's ``protected`` finder) ride on
  the same placeholders: the model sees the target term in the source's place, a translation
  without it is damaged and falls back as above, with the target term put in between.
- ``keep_formatting`` gives a translated sentence its source's leading and trailing
  punctuation and first-letter case (DeepL's ``preserve_formatting``), for the caller to apply.
- Segments with nothing to translate (whitespace, placeholders, numbers, punctuation) stay as is.
- A sentence over ``max_tokens`` is cut after clause punctuation, else at spaces, into pieces that
  each fit; they are translated separately and rejoined. Nothing is truncated.

The flow, with ``translate(list[str]) -> list[str]`` being the model (batched, cached)::

    prepared = prepare_text(text, "en", count_tokens, max_tokens=200)
    translations = translate(prepared.sentences)            # may be [] -> skip the call
    # optional, with the beam's hypotheses of sentence i: hypotheses[prepared.choose(i, hypotheses)]
    fallbacks = prepared.fallbacks(translations)            # {sentence index: pieces}, usually {}
    if fallbacks:
        flat = translate([p for i in sorted(fallbacks) for p in fallbacks[i]])
        ...regroup flat per index, in the same order, into answers: dict[int, list[str]]
    result = prepared.restore(translations, answers)        # raises if damage went unhandled

``prepared.translate_with(translate)`` does exactly that for a synchronous ``translate``.

>>> p = prepare_text("  Hello {name}!\\n\\nSee https://x.org.", "en", len, 100)
>>> p.sentences
['Hello [1]!', 'See [1].']
>>> p.restore([s.upper() for s in p.sentences])
'  HELLO {name}!\\n\\nSEE https://x.org.'
>>> p.fallbacks(["HALLO!", "SIEHE [1]."])   # the model dropped the sentinel of sentence 0
{0: ['Hello']}
"""

from service.text._formatting import keep_formatting
from service.text._prepare import (
    PlaceholderMismatchError,
    PreparedText,
    TermFinder,
    prepare_text,
)
from service.text._segment import SplitMode

__all__ = [
    "PlaceholderMismatchError",
    "PreparedText",
    "SplitMode",
    "TermFinder",
    "keep_formatting",
    "prepare_text",
]
