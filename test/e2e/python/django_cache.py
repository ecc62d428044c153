"""Django 3.2's memcached cache backends over the nodes in TARGET['servers']: PyLibMCCache (text and binary) and
PyMemcacheCache through django.core.cache, as views and middleware use them, and a session kept by the cache
session engine, saved by one SessionStore and read back by another."""
import django
from django.conf import settings

from target import TARGET, report

SERVERS = TARGET['servers']
settings.configure(
    CACHES={
        'default': {'BACKEND': 'django.core.cache.backends.memcached.PyLibMCCache', 'LOCATION': SERVERS},
        'binary': {'BACKEND': 'django.core.cache.backends.memcached.PyLibMCCache', 'LOCATION': SERVERS,
                   'OPTIONS': {'binary': True, 'behaviors': {'ketama': True, 'tcp_nodelay': True}}},
        'pymemcache': {'BACKEND': 'django.core.cache.backends.memcached.PyMemcacheCache', 'LOCATION': SERVERS, 'KEY_PREFIX': 'pm'},
    },
    SESSION_ENGINE='django.contrib.sessions.backends.cache',
    SESSION_CACHE_ALIAS='pymemcache',
    INSTALLED_APPS=['django.contrib.sessions'],
    SECRET_KEY='not-a-secret',
)
django.setup()

from django.contrib.sessions.backends.cache import SessionStore  # noqa: E402 (needs the settings above)
from django.core.cache import caches  # noqa: E402


def outcome(call, *args, **kwargs):
    """A call's result, or the name of the exception it raised."""
    try:
        return call(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 (the exception's class is what the report compares)
        return type(e).__name__


def tour(cache):
    """The cache API a Django application calls, from a cleared cache."""
    cache.clear()
    r = {}
    computed = []
    r['get_or_set'] = [outcome(cache.get_or_set, 'page', lambda: computed.append(1) or 'rendered', 60),
                       outcome(cache.get_or_set, 'page', lambda: computed.append(1) or 'again', 60), len(computed)]
    r['basic'] = [outcome(cache.set, 'a', {'x': [1, 2]}), outcome(cache.get, 'a'), outcome(cache.get, 'missing', 'dflt'),
                  outcome(cache.add, 'a', 0), outcome(cache.add, 'b', 'bee'), outcome(cache.has_key, 'b'), outcome(cache.delete, 'b'),
                  outcome(cache.delete, 'b'), outcome(cache.get, 'b')]
    r['counters'] = [outcome(cache.set, 'n', 5), outcome(cache.incr, 'n'), outcome(cache.incr, 'n', 10), outcome(cache.decr, 'n', 3),
                     outcome(cache.incr, 'n', -20), outcome(cache.incr, 'nope'), outcome(cache.decr, 'nope'),
                     outcome(cache.set, 'v', 1, version=2), outcome(cache.incr_version, 'v', version=2), outcome(cache.get, 'v', version=3),
                     outcome(cache.get, 'v', version=2)]
    r['touch'] = [outcome(cache.touch, 'a', 300), outcome(cache.touch, 'nope', 300), outcome(cache.touch, 'a', 0), outcome(cache.get, 'a'),
                  outcome(cache.set, 'never', 1, None), outcome(cache.touch, 'never', None), outcome(cache.get, 'never')]
    data = {f'item{i}': i * i for i in range(25)}
    r['many'] = [outcome(cache.set_many, data, 120), outcome(lambda: sorted(cache.get_many(list(data) + ['nope']).items())[:5]),
                 outcome(lambda: len(cache.get_many(list(data)))), outcome(cache.delete_many, ['item0', 'item1']),
                 outcome(cache.get_many, ['item0', 'item1', 'item2']), outcome(cache.set_many, {'big': 'x' * (2 * 1024 * 1024), 'small': 1})]
    r['expired'] = [outcome(cache.set, 'old', 1, -1), outcome(cache.get, 'old'), outcome(cache.add, 'old', 2), outcome(cache.get, 'old')]
    r['big'] = [outcome(cache.set, 'big', 'y' * 800_000), outcome(lambda: len(cache.get('big'))),
                outcome(cache.set, 'big', 'z' * (2 * 1024 * 1024)), outcome(cache.get, 'big')]
    r['clear'] = [outcome(cache.clear), outcome(cache.get, 'item3')]
    return r


def session():
    """A session saved by one request's store and read, changed and flushed by the next ones'."""
    first = SessionStore()
    first['cart'] = ['book', 'pen']
    first.set_expiry(300)
    first.save()
    key = first.session_key
    second = SessionStore(session_key=key)
    seen = [second.get('cart'), second.get_expiry_age() <= 300, second.exists(key)]
    second['cart'] = second['cart'] + ['ink']
    second.save()
    third = SessionStore(session_key=key)
    seen.append(third['cart'])
    third.cycle_key()
    seen += [third.session_key != key, SessionStore(session_key=key).exists(key), SessionStore(session_key=third.session_key).get('cart')]
    third.flush()
    seen += [SessionStore(session_key=third.session_key).get('cart'), SessionStore(session_key='nosuchsessionkey000').load()]
    return seen


report({'pylibmc': tour(caches['default']), 'pylibmc_binary': tour(caches['binary']), 'pymemcache': tour(caches['pymemcache']),
        'session': session()})
