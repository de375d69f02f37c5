# Folio server: a slim image running uvicorn as a non-root user. Debian's chromium prints the PDFs (acceptance
# report, handover sheet, erasure certificate) through Playwright; without it those routes answer 503.
#   docker build -t folio . && docker run -p 8000:8000 -v folio-data:/data folio
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    FOLIO_DATABASE_URL=sqlite:////data/folio.db FOLIO_IMAGE_STORE=/data/images \
    FOLIO_HOST=0.0.0.0 FOLIO_PORT=8000

RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk chromium \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 folio \
 && mkdir -p /data && chown folio:folio /data

WORKDIR /srv/folio
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY qc ./qc
COPY capture_station ./capture_station
COPY migrations ./migrations
RUN pip install --no-cache-dir -e ".[ocr,pdf]" && chown -R root:root /srv/folio

USER folio
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["folio", "serve"]
