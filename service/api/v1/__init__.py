"""The native JSON API: ``/v1/translate`` and ``/v1/languages``."""
