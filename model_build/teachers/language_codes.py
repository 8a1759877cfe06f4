"""Language codes as a teacher's own tokenizer spells them, read from the tokenizer itself.

Each multilingual family names languages with tokens of its vocabulary: `__de__` (M2M100),
`deu_Latn` (NLLB-200), `de_DE` (mBART-50), `<2de>` (MADLAD/T5), `>>de<<` (multi-target
OPUS-MT). The codes a checkpoint knows are the tokens of its tokenizer that have the family's
shape, so nothing here is a hand-written list of one model's codes: a config's `en`/`ro` is
matched against them (through ISO 639-3 for NLLB's three-letter codes), and a language that
matches none, or several (`zh`: `zho_Hans`, `zho_Hant`), is a problem that names the variable
that settles it. An explicit `source_code`/`target_code` is used verbatim, and must be one of
the tokenizer's codes too: forcing an ordinary piece such as `ro` translates into garbage.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# The shape of a language token per family; group 1 is the language part.
CODE_PATTERNS: dict[str, re.Pattern[str]] = {
    "m2m100": re.compile(r"^__([a-z]{2,3})__$"),
    "nllb": re.compile(r"^([a-z]{3})_[A-Z][a-z]{3}$"),
    "mbart50": re.compile(r"^([a-z]{2})_[A-Z]{2}$"),
    "t5": re.compile(r"^<2([a-z]{2,3})(?:[_-][A-Za-z0-9_-]+)?>$"),
    "marian": re.compile(r"^>>([a-z]{2,3})(?:_[A-Za-z]+)?<<$"),
}
# A code without script or region: preferred when a language also has qualified codes.
BARE_CODES: dict[str, Callable[[set[str]], set[str]]] = {
    "m2m100": lambda keys: {f"__{key}__" for key in keys},
    "nllb": lambda keys: set(),
    "mbart50": lambda keys: set(),
    "t5": lambda keys: {f"<2{key}>" for key in keys},
    "marian": lambda keys: {f">>{key}<<" for key in keys},
}
# ISO 639-1 → ISO 639-3 (the standard's table), for families that spell three letters.
_ISO_639_1 = (
    "aa:aar ab:abk af:afr ak:aka am:amh an:arg ar:ara as:asm av:ava ay:aym az:aze ba:bak "
    "be:bel bg:bul bi:bis bm:bam bn:ben bo:bod br:bre bs:bos ca:cat ce:che ch:cha co:cos "
    "cr:cre cs:ces cu:chu cv:chv cy:cym da:dan de:deu dv:div dz:dzo ee:ewe el:ell en:eng "
    "eo:epo es:spa et:est eu:eus fa:fas ff:ful fi:fin fj:fij fo:fao fr:fra fy:fry ga:gle "
    "gd:gla gl:glg gn:grn gu:guj gv:glv ha:hau he:heb hi:hin ho:hmo hr:hrv ht:hat hu:hun "
    "hy:hye hz:her ia:ina id:ind ie:ile ig:ibo ii:iii ik:ipk io:ido is:isl it:ita iu:iku "
    "ja:jpn jv:jav ka:kat kg:kon ki:kik kj:kua kk:kaz kl:kal km:khm kn:kan ko:kor kr:kau "
    "ks:kas ku:kur kv:kom kw:cor ky:kir la:lat lb:ltz lg:lug li:lim ln:lin lo:lao lt:lit "
    "lu:lub lv:lav mg:mlg mh:mah mi:mri mk:mkd ml:mal mn:mon mr:mar ms:msa mt:mlt my:mya "
    "na:nau nb:nob nd:nde ne:nep ng:ndo nl:nld nn:nno no:nor nr:nbl nv:nav ny:nya oc:oci "
    "oj:oji om:orm or:ori os:oss pa:pan pi:pli pl:pol ps:pus pt:por qu:que rm:roh rn:run "
    "ro:ron ru:rus rw:kin sa:san sc:srd sd:snd se:sme sg:sag si:sin sk:slk sl:slv sm:smo "
    "sn:sna so:som sq:sqi sr:srp ss:ssw st:sot su:sun sv:swe sw:swa ta:tam te:tel tg:tgk "
    "th:tha ti:tir tk:tuk tl:tgl tn:tsn to:ton tr:tur ts:tso tt:tat tw:twi ty:tah ug:uig "
    "uk:ukr ur:urd uz:uzb ve:ven vi:vie vo:vol wa:wln wo:wol xh:xho yi:yid yo:yor za:zha "
    "zh:zho zu:zul"
)
ISO_639_3 = dict(pair.split(":") for pair in _ISO_639_1.split())
# ISO 639-3 macrolanguages whose members NLLB-200 names instead (Arabic is `arb_Arab`, ...).
MACROLANGUAGE_MEMBERS = {
    "ara": ("arb", "ars", "ary", "arz", "acm", "acq", "aeb", "ajp", "apc"),
    "aym": ("ayr",),
    "aze": ("azj", "azb"),
    "est": ("ekk",),
    "fas": ("pes", "prs"),
    "ful": ("fuv",),
    "kau": ("knc",),
    "kur": ("kmr", "ckb"),
    "lav": ("lvs", "ltg"),
    "mlg": ("plt",),
    "mon": ("khk",),
    "msa": ("zsm",),
    "nep": ("npi",),
    "nor": ("nob", "nno"),
    "ori": ("ory",),
    "orm": ("gaz",),
    "pus": ("pbt",),
    "que": ("quy",),
    "sqi": ("als",),
    "swa": ("swh",),
    "uzb": ("uzn",),
    "yid": ("ydd",),
}


def tokenizer_tokens(tokenizer: Any) -> set[str]:
    """Every token a transformers tokenizer knows, language tokens included.

    transformers 5 keeps M2M100's `__xx__` out of `get_vocab()`; they are in `lang_token_to_id`.
    """
    tokens = set(tokenizer.get_vocab())
    tokens.update(getattr(tokenizer, "lang_token_to_id", None) or {})
    tokens.update(tokenizer.all_special_tokens)
    return tokens


def language_codes(family: str, tokens: set[str]) -> set[str]:
    """The tokens of `tokens` that have the shape of `family`'s language codes."""
    pattern = CODE_PATTERNS.get(family)
    return {token for token in tokens if pattern.match(token)} if pattern else set()


def is_language_token(token: str) -> bool:
    """Whether `token` has the shape of any family's language code."""
    return any(pattern.match(token) for pattern in CODE_PATTERNS.values())


def language_keys(lang: str) -> set[str]:
    """The spellings of a config language a code's language part may have (`ro`, `ron`)."""
    keys = {lang}
    three = ISO_639_3.get(lang, lang)
    keys.add(three)
    keys.update(MACROLANGUAGE_MEMBERS.get(three, ()))
    keys.update(two for two, full in ISO_639_3.items() if full == lang)
    return keys


@dataclass(frozen=True)
class Resolved:
    """A language's code for one side, or why there is none (naming the variable to set)."""

    code: str | None
    problem: str | None = None


def resolve(
    family: str, codes: set[str], lang: str, override: str | None, variable: str, model: str
) -> Resolved:
    """The code of `lang` among a tokenizer's `codes`; `override` is taken verbatim."""
    if override is not None:
        if override in codes:
            return Resolved(override)
        return Resolved(None, f"{variable}: {override!r} is not a language code of {model} "
                              f"({family}: {_examples(codes)})")  # fmt: skip
    pattern = CODE_PATTERNS[family]
    keys = language_keys(lang)
    matches = sorted(code for code in codes if _language_part(pattern, code) in keys)
    bare = [code for code in matches if code in BARE_CODES[family](keys)]
    if len(matches) == 1:
        return Resolved(matches[0])
    if len(bare) == 1:  # `<2zh>` rather than `<2zh_Latn>`
        return Resolved(bare[0])
    if matches:
        return Resolved(None, f"language {lang!r} is ambiguous for {model} "
                              f"({', '.join(matches)}): set {variable}")  # fmt: skip
    return Resolved(None, f"{model} has no language code for {lang!r}: set {variable} to one "
                          f"of its codes ({family}: {_examples(codes)})")  # fmt: skip


def _language_part(pattern: re.Pattern[str], code: str) -> str:
    match = pattern.match(code)
    return match.group(1) if match else ""


def _examples(codes: set[str], count: int = 8) -> str:
    if not codes:
        return "none"
    shown = sorted(codes)[:count]
    more = f", ... {len(codes)} in all" if len(codes) > count else ""
    return ", ".join(shown) + more
