"""Routing: how much to trust each sentence the student translated.

Today every translated sentence is checked against the bundle's normal range (``checks``): a
score, length ratio, repetition or length bound far outside what the student produces on its
own dev set flags the sentence, and the answer says so per text. The cascade (escalating
flagged sentences to the teacher) builds on the same flags.
"""

from service.routing.checks import SentenceCheck, TextQuality, check_sentence, text_quality

__all__ = ["SentenceCheck", "TextQuality", "check_sentence", "text_quality"]
