"""Cost accounting: what each request cost on the student, what it would have cost on teachers.

::

    settings.py     CostSettings (MT_COST_*), PriceConfigError naming the variable at fault
    prices.py       price lists with source and date; teacher-equivalent cost per request
    attribution.py  process CPU time split across a batch's requests by token share
    metrics.py      the mt_ cost metrics (student, teacher-equivalent, prices, shadow)
    shadow.py       shadow mode: sampled requests also sent to a real teacher, chrF agreement
    chrf.py         chrF without sacrebleu
    accounting.py   CostAccounting: the one object `service.app` wires in

Formulas, sources and PromQL: docs/cost.md.
"""

from service.cost.accounting import CostAccounting
from service.cost.settings import CostSettings, PriceConfigError, load_cost_settings

__all__ = ["CostAccounting", "CostSettings", "PriceConfigError", "load_cost_settings"]
