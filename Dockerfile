# The assistme image: the API, the Taskiq worker and the scheduler (compose.yaml picks the command).

# The docs page's script, installed from the npm registry so /docs works with no internet access.
FROM node:22-slim AS scalar
WORKDIR /scalar
RUN npm install --no-save --no-package-lock --ignore-scripts --no-audit --no-fund @scalar/api-reference@1.72.1

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN useradd --system --create-home --uid 10001 assistme
WORKDIR /app

COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
COPY migrations ./migrations
# Installed in place (editable), so the source tree stays at /app/src with migrations/ beside it, as in a
# checkout: adapters/persistence/migrations.py finds the migrations folder relative to the source tree,
# which a plain `pip install .` into site-packages would break.
RUN pip install -c constraints.txt -e .

COPY --from=scalar /scalar/node_modules/@scalar/api-reference/dist/browser/standalone.js /app/static/scalar/standalone.js
ENV ASSISTME_STATIC_DIR=/app/static \
    ASSISTME_ENVIRONMENT=production
# The only place the app writes: the embedded setup's SQLite file (./var), should the image run without
# ASSISTME_DATABASE_URL; mount a volume there to keep it.
RUN mkdir /app/var && chown assistme:assistme /app/var

USER assistme
EXPOSE 8000
CMD ["assistme", "run", "--host", "0.0.0.0"]
