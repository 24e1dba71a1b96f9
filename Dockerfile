# syntax=docker/dockerfile:1
# talent-match API image: the runtime dependencies only (CPU-only torch, the embedding model from
# its PyPI package, no download at run time) and the React dashboard built and served at
# /dashboard/. No model is baked in: trained artifacts live in the models volume (MODEL_DIR),
# which the one-shot `app init` (compose service `init`, Kubernetes Job) fills before the API
# starts, so the registry row and every replica point at the same files.

FROM node:22-slim AS dashboard
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim AS build
# Where the CPU wheel of torch comes from (PyPI's torch build carries CUDA: gigabytes this image
# never uses); empty it when the configured index already serves `torch==2.13.0+cpu`.
ARG PIP_TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements-runtime.lock ./
# [project.dependencies] only, pinned and hash-checked (scripts/lock_runtime.py): the dev extra
# (test tools, shap) stays out of the image. torch is its CPU build, found on PIP_TORCH_INDEX.
RUN pip install --require-hashes --no-deps ${PIP_TORCH_INDEX:+--extra-index-url "$PIP_TORCH_INDEX"} \
      -r requirements-runtime.lock

FROM python:3.11-slim
# PYTHONPATH: `python -m app.cli` imports /app/app wherever it runs, so the settings'
# PROJECT_ROOT is /app (alembic.ini, migrations/, frontend/dist). The root file system may be
# read-only (Kubernetes): no bytecode writes, caches and metrics under /tmp.
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 HF_HOME=/tmp/hf ENVIRONMENT=production MODEL_DIR=/app/models \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
# libgomp1: LightGBM's OpenMP runtime, which its wheel does not bundle (the slim base lacks it).
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 app
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --chown=app:app app ./app
COPY --chown=app:app migrations ./migrations
COPY --chown=app:app alembic.ini ./
COPY --from=dashboard --chown=app:app /frontend/dist ./frontend/dist
# The mount point of the models volume, owned by the app user so a new named volume is too;
# the metrics directory must exist before any `app` command imports prometheus_client.
RUN python -m compileall -q app migrations \
 && mkdir -p models /tmp/prometheus && chown app:app models /tmp/prometheus
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4).status == 200 else 1)"]
# Exec form: uvicorn's supervisor is PID 1 and gets SIGTERM itself (graceful drain, exit 0).
CMD ["python", "-m", "app.cli", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--no-proxy-headers"]
