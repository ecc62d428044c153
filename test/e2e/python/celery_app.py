"""A Celery app with Redis as broker and result backend, pointed at TARGET."""
from celery import Celery

from target import redis_url

app = Celery('celery_app', broker=redis_url(), backend=redis_url())
app.conf.broker_connection_retry_on_startup = True


@app.task
def add(a, b):
    return a + b


@app.task(bind=True, max_retries=3)
def retried(self, times):
    if self.request.retries < times:
        raise self.retry(countdown=0.1)
    return self.request.retries


@app.task
def boom():
    raise ValueError('boom')
