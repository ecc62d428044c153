"""redis-py as its README shows it: commands, a pipeline, a script, a lock, pub/sub, a WATCH transaction, streams.
With CLUSTER=1 the target is a configuration endpoint and RedisCluster finds the shards itself."""
import os

import redis
from redis.cluster import RedisCluster

from target import redis_kwargs, report

results = {}
if os.environ.get('CLUSTER') == '1':
    rc = RedisCluster(**redis_kwargs(), decode_responses=True)
    for i in range(20):
        rc.set(f'key:{i}', i)
    results['primaries'] = len(rc.get_primaries())
    results['mget'] = rc.mget_nonatomic([f'key:{i}' for i in range(20)])
    pipe = rc.pipeline()
    for i in range(20):
        pipe.incr(f'key:{i}')
    results['pipeline'] = pipe.execute()
    results['scanned'] = sorted(rc.scan_iter(match='key:*'))
    results['script'] = rc.eval("return redis.call('get', KEYS[1])", 1, 'key:3')
    results['lock'] = [rc.lock('lock:c', timeout=5).acquire(blocking=False), rc.lock('lock:c').acquire(blocking=False)]
    results['state'] = rc.cluster_info()['cluster_state']
    rc.close()
    report(results)
    raise SystemExit(0)

r = redis.Redis(**redis_kwargs(), decode_responses=True)
results['basics'] = [r.ping(), r.set('a', 1), r.incr('a'), r.get('a')]
pipe = r.pipeline()
pipe.set('b', 2).get('b').hset('h', mapping={'x': 1, 'y': 2}).hgetall('h')
results['pipeline'] = pipe.execute()
add = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
results['script'] = [add(keys=['c'], args=[5]), add(keys=['c'], args=[5])]
held = r.lock('lock:a', timeout=5)
results['lock'] = [held.acquire(blocking=False), r.lock('lock:a').acquire(blocking=False), held.extend(5), held.release() is None, r.exists('lock:a')]
sub = r.pubsub()
sub.subscribe('news')
results['subscribed'] = sub.get_message(timeout=5)['type']
r.publish('news', 'hello')
results['message'] = sub.get_message(timeout=5)['data']
sub.close()


def bump(pipe):
    value = int(pipe.get('a'))
    pipe.multi()
    pipe.set('a', value + 1)


results['transaction'] = [r.transaction(bump, 'a'), r.get('a')]
entry = r.xadd('events', {'kind': 'signup'})
r.xgroup_create('events', 'mailers', id='0')
read = r.xreadgroup('mailers', 'm1', {'events': '>'}, count=1, block=100)
results['stream'] = [read[0][1][0][0] == entry, read[0][1][0][1], r.xack('events', 'mailers', entry)]
r.close()
report(results)
