# Dalli 3.0.6 (memcached's binary protocol, over TLS when TARGET has a CA) as a Rails cache uses it: one client over every node of TARGET
# ({servers: ["host:port", ...]}), keys spread by Dalli's consistent-hash ring, and a connection_pool of clients.
# Every reply goes into the report, so the test can compare the same run against memcached.
require 'dalli'
require 'connection_pool'
require_relative 'target'

Dalli.logger.level = Logger::FATAL
servers = TARGET.fetch('servers')
dc = Dalli::Client.new(servers, namespace: 'app', compress: true, socket_timeout: 5, **dalli_options)
dc.flush
results = {}

# A store answers its item's CAS token, which differs between servers: the report keeps only that one was given.
def stored(value) = value.is_a?(Integer) && value.positive? ? 'stored' : value

# Dalli 3.0.6's get_multi cannot read from SSL sockets (servers_with_data calls #server on them, fixed in Dalli 3.1):
# over TLS the report's multi-key reads are single gets, which give the same hash.
def get_multi(client, keys)
  return client.get_multi(keys) unless TARGET['tls']

  keys.to_h { |k| [k, client.get(k)] }.compact
end

def error_of
  yield
rescue Dalli::DalliError => e
  [e.class.name, e.message]
end

# Compression first, while the nodes hold nothing else: 200 KB of repeated text is stored as far fewer bytes.
big = 'compressible ' * 16_000
results['compressed'] = [stored(dc.set('big', big)), dc.get('big') == big, dc.stats.values.sum { |s| s['bytes'].to_i } < 20_000]

results['store'] = [stored(dc.set('a', { 'n' => 1, 'list' => [1, 2] })), dc.get('a'), stored(dc.add('a', 'again')), stored(dc.add('b', 'new')), dc.get('b'),
                    stored(dc.replace('missing', 'x')), stored(dc.replace('b', 'newer')), dc.get('b'), dc.get('missing'), dc.delete('b'), dc.delete('b')]
results['raw'] = [stored(dc.set('r', 'abc', 0, raw: true)), dc.append('r', 'def'), dc.prepend('r', '>'), dc.get('r', raw: true), dc.append('nope', 'x')]
results['counters'] = [dc.incr('c', 1, nil, 10), dc.incr('c', 5), dc.decr('c', 100), dc.incr('c', 2**64 - 1), dc.incr('unset', 1),
                       dc.decr('unset', 1, nil, 0), error_of { dc.incr('a', 1) }]
results['cas'] = [stored(dc.cas('a') { |v| v.merge('n' => 2) }), dc.get('a'), dc.cas('missing') { 1 }, stored(dc.cas!('fresh') { |v| v.nil? ? 'made' : v }),
                  dc.get('fresh')]
value, token = dc.get_cas('a')
results['get_cas'] = [value, stored(dc.set_cas('a', 'stale?', token + 1)), stored(dc.set_cas('a', 'current', token)), dc.get('a'), dc.delete_cas('a', token)]
results['fetch'] = [dc.fetch('f') { 'computed' }, dc.fetch('f') { 'not again' }]

keys = (1..100).map { |i| "key:#{i}" }
keys.each_with_index { |k, i| dc.set(k, i) }
many = get_multi(dc, keys + ['absent'])
per_node = dc.stats.values.map { |s| s['curr_items'].to_i }
results['many'] = [many.size, many.values.sum, many.key?('absent'), servers.size, per_node.size, per_node.all?(&:positive?)]
dc.multi { keys.first(10).each { |k| dc.delete(k) } }
results['quiet_deletes'] = get_multi(dc, keys.first(12)).keys.sort

# Expiry: 1-second items go within a few seconds; a touch shortens a long-lived one; gat reads and extends.
dc.set('short', 'x', 1)
dc.set('long', 'y', 100)
dc.set('touched', 'z', 100)
results['touch'] = [dc.touch('touched', 1), dc.touch('missing', 1), dc.gat('long', 200), dc.gat('missing', 5)]
deadline = Time.now + 10
sleep 0.1 until (dc.get('short').nil? && dc.get('touched').nil?) || Time.now > deadline
results['expiry'] = [dc.get('short'), dc.get('touched'), dc.get('long')]

# Past the item size limit: Dalli refuses before sending (its 1 MB default); with its limit raised, the node refuses.
noise = Random.new(7).bytes(1024 * 1024 + 1)
results['too_big'] = [error_of { dc.set('huge', noise, 0, raw: true) }]
roomy = Dalli::Client.new(servers, value_max_bytes: 4 * 1024 * 1024, **dalli_options)
results['too_big'] << stored(roomy.set('fits', noise[0, 1024 * 1024 - 1024], 0, raw: true))
results['too_big'] << error_of { roomy.set('huge', noise, 0, raw: true) }
results['too_big'] << roomy.get('huge') << roomy.get('fits')&.size

# The pool a threaded app (Puma, Sidekiq) holds: ten threads, twenty increments each.
pool = ConnectionPool.new(size: 5, timeout: 5) { Dalli::Client.new(servers, **dalli_options) }
pool.with { |c| c.set('hits', '0', 0, raw: true) }
10.times.map { Thread.new { 20.times { pool.with { |c| c.incr('hits') } } } }.each(&:join)
results['pool'] = pool.with { |c| [c.get('hits', raw: true), c.version.size] }

results['flush'] = [dc.flush.size, dc.get('long'), get_multi(dc, keys).size]
report(results)
