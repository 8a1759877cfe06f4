"""The serving half: a FastAPI app, run by uvicorn, that translates text with bundles on CPU.

Entry point: ``python -m service`` (console script ``mt-service``); the app factory is
`service.app.build_app`. Nothing here imports torch, transformers or `model_build`.
"""
