"""Where the test points a Python client: TARGET is JSON {host, port, tls?: {ca}, password?}, set by python-clients.test.ts."""
import json
import os

TARGET = json.loads(os.environ['TARGET'])


def redis_kwargs():
    """redis-py connection arguments for TARGET, as an application on ElastiCache passes them."""
    kwargs = {'host': TARGET['host'], 'port': TARGET['port']}
    if 'tls' in TARGET:
        kwargs.update(ssl=True, ssl_ca_certs=TARGET['tls']['ca'], password=TARGET['password'])
    return kwargs


def redis_url():
    """The same target as a redis:// or rediss:// URL (Celery's broker and result backend)."""
    if 'tls' in TARGET:
        return f"rediss://:{TARGET['password']}@{TARGET['host']}:{TARGET['port']}/0?ssl_cert_reqs=required&ssl_ca_certs={TARGET['tls']['ca']}"
    return f"redis://{TARGET['host']}:{TARGET['port']}/0"


def report(results):
    """One JSON line on stdout: what the test compares."""
    print(json.dumps(results), flush=True)
