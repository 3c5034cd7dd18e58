# The API image: slim Python, dependencies pinned in pyproject.toml, runs as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY schema ./schema
COPY resolvers ./resolvers
COPY store ./store
COPY pubsub ./pubsub
COPY server ./server
RUN pip install --disable-pip-version-check . \
    && useradd --create-home --uid 10001 insights

USER insights
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["insights", "serve", "--host", "0.0.0.0", "--port", "8000"]
