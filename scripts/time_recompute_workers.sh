#!/usr/bin/env bash
# Time a full recompute through Celery with 1 and with 2 worker processes.
#
#   DATABASE_URL=postgres://… REDIS_URL=redis://… scripts/time_recompute_workers.sh [runs]
#
# Needs data imported into DATABASE_URL (manage.py import_hr). For each worker count it
# starts `celery worker --concurrency N` on a private queue, queues
# measures.tasks.recompute there, waits for its result (the whole chord of year
# slices) and prints the seconds; the stored values are first deleted so that every
# run writes them all (as a first recompute does).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
: "${DATABASE_URL:?set DATABASE_URL}" "${REDIS_URL:?set REDIS_URL}"
for workers in 1 2; do
  queue="timing-$$-$workers"
  .venv/bin/celery --app strategi worker --pool prefork --concurrency "$workers" \
    --queues "$queue" --hostname "$queue@%h" --without-gossip --without-mingle \
    --loglevel WARNING >"/tmp/$queue.log" 2>&1 &
  pid=$!
  sleep 5
  for run in $(seq "$runs"); do
    .venv/bin/python - "$queue" "$workers" "$run" <<'PY'
import os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strategi.settings")
django.setup()
from measures.models import Indicator, IndicatorValue
from measures.tasks import recompute
queue, workers, run = sys.argv[1:]
IndicatorValue.objects.filter(indicator__kind=Indicator.Kind.COMPUTED).delete()
began = time.perf_counter()
result = recompute.apply_async(queue=queue).get(timeout=1800)
print(f"workers={workers} run={run} seconds={time.perf_counter() - began:.1f} "
      f"values={result['values_stored']} slices={result.get('slices', 1)}", flush=True)
PY
  done
  kill "$pid"
  wait "$pid" || true
done
