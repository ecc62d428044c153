"""pylibmc (libmemcached) over the nodes in TARGET['servers'], as an application configures it: text and binary
protocol, plain and with the behaviors people turn on (ketama, tcp_nodelay, no_block, cas). Every call's result
or exception class goes into the report, so a reply of the server that differs shows up as a differing field."""
import pylibmc

from target import TARGET, report

SERVERS = TARGET['servers']
TUNED = {'ketama': True, 'tcp_nodelay': True, 'no_block': True, 'cas': True}


def outcome(call, *args, **kwargs):
    """A call's result, or the name of the exception it raised (pylibmc maps server replies to classes)."""
    try:
        value = call(*args, **kwargs)
    except (pylibmc.Error, ValueError) as e:
        return type(e).__name__
    if isinstance(value, bytes):
        return value.decode('latin-1')
    if isinstance(value, dict):
        return {k if isinstance(k, str) else k.decode(): outcome(lambda: v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [outcome(lambda: v) for v in value]
    return value


def session(binary, behaviors):
    """One configuration's tour of the API on a fresh flush; a prefix keeps configurations apart."""
    c = pylibmc.Client(SERVERS, binary=binary, behaviors=behaviors)
    c.flush_all()
    r = {}
    r['store'] = [outcome(c.set, 'a', 'alpha'), outcome(c.get, 'a'), outcome(c.add, 'a', 'again'), outcome(c.add, 'b', 'beta'),
                  outcome(c.replace, 'a', 'ALPHA'), outcome(c.replace, 'nope', 1), outcome(c.get, 'a'), outcome(c.get, 'nope')]
    r['types'] = [outcome(c.set, 't', v) and outcome(c.get, 't') for v in (7, 2**70, True, 1.5, 'ünï', b'\x00\xff', {'k': [1, 2]}, None)]
    r['concat'] = [outcome(c.set, 's', 'mid'), outcome(c.append, 's', '>'), outcome(c.prepend, 's', '<'), outcome(c.get, 's'),
                   outcome(c.append, 'nope', 'x'), outcome(c.prepend, 'nope', 'x')]
    r['counters'] = [outcome(c.set, 'n', 10), outcome(c.incr, 'n'), outcome(c.incr, 'n', 5), outcome(c.decr, 'n', 3), outcome(c.decr, 'n', 100),
                     outcome(c.incr, 'missing'), outcome(c.decr, 'missing'), outcome(c.set, 'w', str(2**64 - 1)), outcome(c.incr, 'w'),
                     outcome(c.set, 'txt', 'abc'), outcome(c.incr, 'txt'), outcome(c.incr_multi, ['n', 'm1', 'm2'], delta=2), outcome(c.get_multi, ['n', 'm1'])]
    r['delete'] = [outcome(c.delete, 'a'), outcome(c.delete, 'a'), outcome(c.get, 'a')]
    if behaviors.get('cas'):
        _, token = c.gets('b')
        r['cas'] = [outcome(c.cas, 'b', 'new', token), outcome(c.cas, 'b', 'newer', token), outcome(c.get, 'b'), outcome(c.cas, 'nope', 1, 1)]
    r['touch'] = [outcome(c.touch, 'b', 100), outcome(c.touch, 'nope', 100), outcome(c.set, 'gone', 1, time=-1), outcome(c.get, 'gone')]
    keys = {f'k{i}': i for i in range(40)}
    r['multi'] = [outcome(c.set_multi, keys), outcome(lambda: len(c.get_multi(list(keys) + ['x1', 'x2']))),
                  outcome(c.set_multi, {'p1': 1, 'p2': 2}, key_prefix='pre:'), outcome(c.get_multi, ['p1', 'p2', 'p3'], key_prefix='pre:'),
                  outcome(c.get, 'pre:p2'), outcome(c.add_multi, {'k1': 0, 'new': 1}), outcome(c.delete_multi, ['k0', 'k1', 'x1']),
                  outcome(c.get_multi, ['k0', 'k1', 'k2', 'new'])]
    r['big'] = [outcome(c.set, 'half', 'h' * 512_000), outcome(lambda: len(c.get('half'))), outcome(c.set, 'edge', 'e' * (1024 * 1024 - 512)),
                outcome(lambda: len(c.get('edge') or '')), outcome(c.set, 'huge', 'x' * (2 * 1024 * 1024)), outcome(c.get, 'huge'),
                outcome(c.set, 'packed', 'z' * 3_000_000, min_compress_len=1), outcome(lambda: len(c.get('packed'))),
                outcome(c.set_multi, {'ok': 1, 'toobig': 'y' * (2 * 1024 * 1024)})]
    r['keys'] = [outcome(c.set, 'k' * 250, 1), outcome(c.get, 'k' * 250), outcome(c.set, 'k' * 251, 1), outcome(c.get, 'with space')]
    stats = c.get_stats()
    r['stats'] = [len(stats), sorted(k for k in stats[0][1] if k in ('pid', 'version', 'curr_items', 'total_items', 'cmd_get', 'threads'))]
    r['flush'] = [outcome(c.flush_all), outcome(c.get, 'b'), outcome(c.get_multi, ['k2', 'k3'])]
    return r


def spread():
    """ketama over every node: each key lives on exactly one node, and every node gets some."""
    ring = pylibmc.Client(SERVERS, behaviors={'ketama': True})
    ring.flush_all()
    ring.set_multi({f'ring{i}': i for i in range(60)})
    found = [len(pylibmc.Client([server]).get_multi([f'ring{i}' for i in range(60)])) for server in SERVERS]
    return [sum(found), sum(1 for n in found if n > 0), len(ring.get_multi([f'ring{i}' for i in range(60)]))]


report({
    'text': session(False, {}),
    'binary': session(True, {}),
    'text_tuned': session(False, TUNED),
    'binary_tuned': session(True, TUNED),
    'spread': spread(),
})
