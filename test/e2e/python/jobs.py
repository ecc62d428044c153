"""Job functions for rq_jobs.py (a worker imports them by this module's name)."""
import os


def add(a, b):
    return a + b


def boom():
    raise ValueError('boom')


def fails_once(marker):
    if not os.path.exists(marker):
        open(marker, 'w').close()
        raise RuntimeError('first try fails')
    return 'second try'
