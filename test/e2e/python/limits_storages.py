"""python3-limits' rate limiters on the storage TARGET['uri'] names (memcached://, redis://, redis+cluster://):
FixedWindow, MovingWindow and FixedWindowElasticExpiry hit, refuse, report and clear limits for several
identities, take costs, and recover after their window: a window refused while hammered (elastic expiry extends
it on every hit, a fixed or moving window does not) opens again once nobody hits it."""
import time

from limits import parse, storage, strategies

from target import TARGET, report

STRATEGIES = {
    'fixed': strategies.FixedWindowRateLimiter,
    'moving': strategies.MovingWindowRateLimiter,
    'elastic': strategies.FixedWindowElasticExpiryRateLimiter,
}
HOUR = parse('3/hour')
# Long enough that only a stall of seconds between hits could let an elastic window lapse while hammered.
SHORT = parse('2 per 5 seconds')


def outcome(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 (the exception's class is what the report compares)
        return type(e).__name__


def until_open(limiter, name, bound=20.0):
    """Polls `test` until the short window lets a hit through again (False if it never does)."""
    deadline = time.time() + bound
    while time.time() < deadline:
        if limiter.test(SHORT, name, 'short'):
            return True
        time.sleep(0.1)
    return False


def hour_window(limiter, name):
    r = {}
    r['hits'] = [limiter.hit(HOUR, name, 'alice') for _ in range(4)]
    reset, remaining = limiter.get_window_stats(HOUR, name, 'alice')
    r['stats'] = [limiter.test(HOUR, name, 'alice'), 0 < reset - time.time() <= 3601, remaining]
    r['other'] = [limiter.hit(HOUR, name, 'bob'), limiter.get_window_stats(HOUR, name, 'bob')[1]]
    limiter.clear(HOUR, name, 'alice')
    r['cleared'] = [limiter.test(HOUR, name, 'alice'), limiter.hit(HOUR, name, 'alice'), limiter.get_window_stats(HOUR, name, 'alice')[1]]
    r['cost'] = [limiter.hit(HOUR, name, 'carol', cost=2), limiter.hit(HOUR, name, 'carol', cost=2), limiter.get_window_stats(HOUR, name, 'carol')[1]]
    crowd = [f'user{i}' for i in range(20)]
    r['crowd'] = [sum(limiter.hit(HOUR, name, who) for who in crowd for _ in range(3)),
                  sum(limiter.hit(HOUR, name, who) for who in crowd)]
    return r


store = storage.storage_from_string(TARGET['uri'])
results = {'check': store.check(), 'reset': outcome(lambda: store.reset() >= 0)}
limiters = {}
for name, strategy in STRATEGIES.items():
    made = outcome(strategy, store)
    if isinstance(made, str):
        results[name] = made
    else:
        limiters[name] = made
        results[name] = hour_window(made, name)

# Every limiter's short window is filled, then hammered for longer than the window lasts.
short = {name: [limiter.hit(SHORT, name, 'short') for _ in range(3)] for name, limiter in limiters.items()}
hammered = {name: False for name in limiters}
end = time.time() + 7.5
while time.time() < end:
    for name, limiter in limiters.items():
        hammered[name] = limiter.hit(SHORT, name, 'short') or hammered[name]
    time.sleep(0.5)
for name in limiters:
    results[name]['short'] = short[name] + [hammered[name], until_open(limiters[name], name), limiters[name].hit(SHORT, name, 'short')]
results['reset_after'] = outcome(lambda: store.reset() > 0)
report(results)
