# Quorum: one image for web (gunicorn), worker and beat (celery). See docker-compose.yml.
# Build: docker build -t quorum .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The source tree in /app is what runs (templates/, static/, locale/ live beside the
    # packages; settings derive BASE_DIR from portal/), ahead of the site-packages copy.
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=portal.settings.production \
    QUORUM_VAR_DIR=/var/lib/quorum \
    MEDIA_ROOT=/var/lib/quorum/media \
    STATIC_ROOT=/app/staticfiles

# WeasyPrint (PDFs): Pango + HarfBuzz subsetting; Noto CJK for Chinese glyphs;
# gettext for compilemessages.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first (cached while only the code changes): a stub of each package is
# enough for `pip install .` to resolve and install the dependencies.
COPY pyproject.toml README.md ./
RUN mkdir -p portal experts councils projects \
 && for p in portal experts councils projects; do touch "$p/__init__.py"; done \
 && pip install . \
 && rm -rf portal experts councils projects build *.egg-info

# The application. Listed explicitly so .env, .venv/, var/, .git/ never enter the image.
COPY manage.py ./
COPY portal ./portal
COPY experts ./experts
COPY councils ./councils
COPY projects ./projects
COPY templates ./templates
COPY static ./static
COPY locale ./locale
RUN pip install --no-deps . && rm -rf build *.egg-info

# Static files (whitenoise manifest) and message catalogs, with build-only settings values.
RUN DJANGO_SECRET_KEY=build-only-not-secret ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 CELERY_BROKER_URL=memory:// \
    sh -c 'python manage.py compilemessages --ignore=.venv -v 0 \
        && python manage.py collectstatic --noinput -v 0' \
 && rm -rf /tmp/build.sqlite3 /var/lib/quorum

RUN groupadd --system --gid 10001 quorum \
 && useradd --system --uid 10001 --gid quorum --home-dir /var/lib/quorum --no-create-home quorum \
 && mkdir -p /var/lib/quorum/media \
 && chown -R quorum:quorum /var/lib/quorum
USER quorum

EXPOSE 8000
# gthread: 2 workers x 4 threads measured best on 2 cores (`make bench`); scale workers
# with WEB_CONCURRENCY (read by gunicorn). Extra flags: GUNICORN_CMD_ARGS.
ENV WEB_CONCURRENCY=2
CMD ["gunicorn", "portal.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--worker-class", "gthread", "--threads", "4", \
     "--timeout", "60", "--keep-alive", "5", \
     "--no-control-socket", \
     "--access-logfile", "-"]
