"""The web page at ``/``: translate text and documents in a browser, see confidence, cost and
the model at a glance. Plain HTML/CSS/JS served by the service itself (``static/``).

Public surface: :func:`include_web` (wire it into an app), :class:`WebSettings` (``MT_UI``,
``MT_UI_...``), :class:`CostTotals` (usage since start). See ``docs/web.md``.
"""

from service.web.api_router import include_web
from service.web.settings import WebSettings
from service.web.totals import CostTotals

__all__ = ["CostTotals", "WebSettings", "include_web"]
