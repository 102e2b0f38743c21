#!/usr/bin/env bash
# `make run`: embedded SQLite + embedded Celery broker (no Redis), web + worker + beat.
# Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=portal.settings.dev
mkdir -p var/media
$PY manage.py migrate --noinput -v 0
$PY manage.py seed_demo
if ! $PY -c "from portal.pdf import cjk_fonts_installed as f; raise SystemExit(0 if f() else 1)" 2>/dev/null; then
  echo "Note: no Noto CJK font found; PDFs will lack Chinese glyphs. Install with: sudo apt-get install fonts-noto-cjk"
fi
pids=()
cleanup() { trap - INT TERM EXIT; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; echo "Stopped."; }
trap cleanup INT TERM EXIT
.venv/bin/celery -A portal worker -B --loglevel=INFO --concurrency=2 \
  --schedule=var/celerybeat-schedule >var/celery.log 2>&1 &
pids+=($!)
echo "Celery worker + beat started (log: var/celery.log, broker: var/broker/)"
echo "Portal: http://127.0.0.1:${PORT:-8000}/  (Ctrl-C stops web, worker and beat)"
$PY manage.py runserver "127.0.0.1:${PORT:-8000}" &
pids+=($!)
wait -n "${pids[@]}"
