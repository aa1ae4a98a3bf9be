# The DatAlive API (datalive serve) for ECS Fargate or a container host. Build from the repository root:
#   docker build -t datalive-api .
#   docker run -p 8000:8000 -e DA_ENV=prod -v /srv/datalive:/data datalive-api
# The environment's data (warehouse, lake, keys, MLflow store) is mounted at /data (DATALIVE_HOME); keys are
# created there with `datalive keys create`, never baked into the image.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY da_platform ./da_platform
RUN python -m venv /opt/datalive \
    && /opt/datalive/bin/pip install --no-cache-dir --upgrade pip \
    && /opt/datalive/bin/pip install --no-cache-dir -c constraints.txt .

FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --home-dir /app datalive
COPY --from=build /opt/datalive /opt/datalive
ENV PATH=/opt/datalive/bin:$PATH \
    DATALIVE_HOME=/data \
    DA_ENV=prod \
    PYTHONUNBUFFERED=1 \
    MLFLOW_DISABLE_TELEMETRY=true \
    NUMBA_CACHE_DIR=/tmp/numba-cache
# (the forecast's compiled loops cache their machine code; site-packages and the home are not writable)
USER datalive
WORKDIR /app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)"
CMD ["datalive", "serve", "--host", "0.0.0.0", "--port", "8000"]
