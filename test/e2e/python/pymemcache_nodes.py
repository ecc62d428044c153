"""pymemcache on a Memcached cluster: the nodes read from the configuration endpoint ('config get cluster', as
ElastiCache's discovery clients do), then a Client on one node and a HashClient over all of them."""
import socket

from pymemcache import serde
from pymemcache.client.base import Client
from pymemcache.client.hash import HashClient

from target import TARGET, report

with socket.create_connection((TARGET['host'], TARGET['port'])) as s:
    s.sendall(b'config get cluster\r\n')
    text = b''
    while not text.endswith(b'END\r\n'):
        text += s.recv(4096)
nodes = [(host, int(port)) for _, host, port in (n.split('|') for n in text.split(b'\r\n')[1].decode().split('\n')[1].split(' '))]
results = {'nodes': len(nodes)}
c = Client(nodes[0], serde=serde.pickle_serde, default_noreply=False)
results['store'] = [c.set('k', {'a': 1}, expire=10), c.get('k'), c.add('k', 2), c.replace('k', 3), c.get('k')]
results['counters'] = [c.set('n', '5'), c.incr('n', 3), c.decr('n', 10), c.incr('missing', 1)]
_, token = c.gets('n')
results['cas'] = [c.cas('n', 7, token), c.cas('n', 8, token), c.get('n')]
results['concat'] = [c.set('s', 'ab'), c.append('s', 'cd'), c.prepend('s', 'zz'), c.get('s')]
results['touch'] = [c.touch('s', 100), c.touch('nope', 1)]
results['many'] = [c.set_many({'x': 1, 'y': 2}), c.get_many(['x', 'y', 'z']), c.delete_many(['x', 'y']), c.get('x')]
ring = HashClient(nodes, serde=serde.pickle_serde)
for i in range(30):
    ring.set(f'h{i}', i)
results['ring'] = sum(1 for i in range(30) if ring.get(f'h{i}') == i)
results['spread'] = sum(1 for node in nodes if Client(node).get_many([f'h{i}' for i in range(30)]))
report(results)
