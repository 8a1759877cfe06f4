"""The engine: CTranslate2 translators, the micro-batching dispatcher and the sentence cache.

Nothing here imports FastAPI; the HTTP layer calls it through `service.pipeline`.
"""
