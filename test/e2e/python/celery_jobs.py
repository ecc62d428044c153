"""Celery as its docs show it: a worker (solo pool) and tasks sent with delay, retried, failing, counted down, in a
group, a chain and a chord."""
import os
import subprocess
import sys

from celery import chain, chord, group

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import celery_app as tasks  # noqa: E402
from target import report  # noqa: E402

worker = subprocess.Popen([sys.executable, '-m', 'celery', '-A', 'celery_app', 'worker', '--pool=solo', '-l', 'error', '--without-gossip', '--without-mingle', '--without-heartbeat'], cwd=here)
results = {}
try:
    results['add'] = tasks.add.delay(2, 3).get(timeout=30)
    results['retried'] = tasks.retried.delay(2).get(timeout=30)
    try:
        tasks.boom.delay().get(timeout=30)
    except ValueError as e:
        results['boom'] = str(e)
    results['countdown'] = tasks.add.apply_async((1, 1), countdown=0.5).get(timeout=30)
    results['group'] = group(tasks.add.s(i, i) for i in range(5))().get(timeout=30)
    results['chain'] = chain(tasks.add.s(1, 2), tasks.add.s(10))().get(timeout=30)
    results['chord'] = chord([tasks.add.s(i, 1) for i in range(3)])(tasks.retried.si(0)).get(timeout=30)
    results['workers'] = len(tasks.app.control.inspect(timeout=10, limit=1).ping() or {})
finally:
    worker.terminate()
    worker.wait(30)
report(results)
