"""HTTP surfaces: thin routes over logic that has no FastAPI in it.

Per surface: ``protocol.py`` (schemas), ``serving.py`` (logic), ``api_router.py`` (routes).
"""
