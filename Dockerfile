# syntax=docker/dockerfile:1
# Two images from one file (see docs/deploy.md):
#   docker build --target serve -t distilled-mt:serve .   # the default target: CPU serving, no torch
#   docker build --target build -t distilled-mt:build .   # model-build jobs (torch, transformers)
# The install and start commands are the ones the Makefile, README and CI run: `pip install .`
# (serving), `pip install "$TORCH_SPEC"` then `pip install ".[build]"` (build), and
# `python -m service` (start). tests/deploy/test_dockerfile.py keeps them in step.

ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

# ---- base: an empty virtual environment and the unprivileged user ----------------------------
FROM ${PYTHON_IMAGE} AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv \
    && groupadd --system --gid 10001 mt \
    && useradd --system --uid 10001 --gid mt --home-dir /home/mt --create-home \
        --shell /usr/sbin/nologin mt

# ---- build: the model-build job image (distill/train/convert/evaluate/bundle) -----------------
FROM base AS build
# Same default as the Makefile's TORCH_SPEC; a GPU cluster may pass a CUDA build of torch.
ARG TORCH_SPEC=torch==2.13.0
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bundle/ bundle/
COPY service/ service/
COPY model_build/ model_build/
# ".[build]" is this project with its build extra (versions bounded in pyproject.toml), not a
# registry name; hadolint only recognises local paths spelled "./".
# hadolint ignore=DL3013
RUN pip install --no-cache-dir "${TORCH_SPEC}" \
    && pip install --no-cache-dir ".[build]" \
    && install -d -o 10001 -g 10001 /work
# The work folder (a volume in the Jobs): steps, hub cache, bundles.
WORKDIR /work
USER 10001:10001
ENTRYPOINT ["model-build"]
CMD ["--help"]

# ---- serve-install: core dependencies only; the embedded bundles ship as package data --------
FROM base AS serve-install
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bundle/ bundle/
COPY service/ service/
# Fails the build if torch or transformers crept into the serving dependencies.
RUN pip install --no-cache-dir . \
    && python -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) for m in ('torch', 'transformers')))"

# ---- serve: the runtime image (the venv only: no compiler, no torch, no source tree) ---------
FROM base AS serve
COPY --from=serve-install /opt/venv /opt/venv
# Extra bundles: mount a folder of bundles at /models and set MT_MODELS_DIR=/models.
RUN install -d -o 10001 -g 10001 /models
WORKDIR /home/mt
USER 10001:10001
ENV MT_HOST=0.0.0.0 \
    MT_PORT=8000
EXPOSE 8000
# Python's urllib, so the image needs no curl; a non-2xx answer or no answer exits non-zero.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:' + os.environ.get('MT_PORT', '8000') + '/healthz', timeout=2)"]
CMD ["python", "-m", "service"]
