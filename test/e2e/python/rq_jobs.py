"""RQ as its docs show it: jobs enqueued, one failing, one retried, one scheduled; a worker in burst mode runs them."""
import datetime
import os
import sys
import tempfile
import time

import redis
from rq import Queue, Retry, SimpleWorker
from rq.registry import FailedJobRegistry

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jobs  # noqa: E402  (RQ imports the job functions by module name in the worker)
from target import redis_kwargs, report  # noqa: E402

conn = redis.Redis(**redis_kwargs())
queue = Queue('py', connection=conn)
added = queue.enqueue(jobs.add, 2, 3)
broken = queue.enqueue(jobs.boom)
marker = os.path.join(tempfile.mkdtemp(), 'tries')
retried = queue.enqueue(jobs.fails_once, marker, retry=Retry(max=2))
scheduled = queue.enqueue_in(datetime.timedelta(milliseconds=300), jobs.add, 10, 20)
results = {'queued': len(queue)}
worker = SimpleWorker([queue], connection=conn)
worker.work(burst=True, with_scheduler=True)
# The scheduled job is moved to the queue by the worker's scheduler once it is due.
deadline = time.time() + 15
while scheduled.get_status(refresh=True) != 'finished' and time.time() < deadline:
    time.sleep(0.1)
    worker.work(burst=True, with_scheduler=True)
results['jobs'] = [[job.get_status(refresh=True), job.result] for job in (added, broken, retried, scheduled)]
results['failed'] = FailedJobRegistry(queue=queue).get_job_ids() == [broken.id]
report(results)
