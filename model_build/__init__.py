"""The build job: distil a teacher into a CTranslate2 int8 student bundle (see docs/build.md).

Heavy libraries (torch, transformers, ctranslate2) are imported inside the step functions only,
so `model-build --help` and config validation stay fast.
"""
