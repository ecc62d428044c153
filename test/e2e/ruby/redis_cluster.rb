# redis-rb 4.8's cluster client (`Redis.new(cluster: [...])`) on a cluster-mode configuration endpoint: keys across
# shards, hash-tagged multi-key commands and transactions, a script, CROSSSLOT; then, after the test reshards the
# group from 2 to 3 shards, every key read again through the MOVED redirections the client follows, and read from
# the replicas by a client made with `replica: true`.
require 'redis'
require_relative 'target'

# Counts the MOVED replies the client follows (it updates its slot map and retries on the named node).
module CountMoved
  attr_reader :moved

  def assign_redirection_node(message)
    @moved = (@moved || 0) + 1
    super
  end
end
Redis::Cluster.prepend(CountMoved)

rc = Redis.new(cluster: [{ host: TARGET['host'], port: TARGET['port'] }], timeout: 10)
keys = (1..100).map { |i| "key:#{i}" }
results = {}
results['set'] = keys.each_with_index.map { |k, i| rc.set(k, i) }.uniq
results['get'] = keys.map { |k| rc.get(k) }.map(&:to_i).sum
results['tagged'] = [rc.mset('{user:1}:name', 'ann', '{user:1}:mail', 'a@x'), rc.mget('{user:1}:name', '{user:1}:mail'),
                     rc.multi { |m| m.incr('{user:1}:visits'); m.incr('{user:1}:visits') },
                     rc.eval("return redis.call('get', KEYS[1]) .. '/' .. redis.call('get', KEYS[2])", keys: ['{user:1}:name', '{user:1}:mail'])]
results['crossslot'] = begin
  rc.mget('key:1', 'key:2')
rescue Redis::CommandError, Redis::Cluster::CrossSlotPipeliningError => e
  e.class.name
end
shards = -> { rc.cluster(:slots).map { |range| range['master']['node_id'] }.uniq.size }
results['cluster'] = [rc.cluster(:info)['cluster_state'], shards.call, rc.dbsize >= 0]
checkpoint('reshard')
results['after'] = [keys.map { |k| rc.get(k) }.map(&:to_i).sum, rc.mget('{user:1}:name', '{user:1}:mail'), shards.call,
                    keys.map { |k| rc.incr(k) }.sum]
results['moved'] = (rc._client.moved || 0).positive?

# Reads from replicas (`replica: true`: READONLY on each replica connection); the writes still go to the primaries.
reader = Redis.new(cluster: [{ host: TARGET['host'], port: TARGET['port'] }], replica: true, timeout: 10)
deadline = Time.now + 10
sleep 0.05 until keys.map { |k| reader.get(k) }.map(&:to_i).sum == 5050 || Time.now > deadline
replicas = rc.cluster(:slots).flat_map { |range| range['replicas'] }.uniq
gets = replicas.sum do |node|
  direct = Redis.new(host: node['ip'], port: node['port'])
  direct.info('commandstats').fetch('get', {}).then { |stat| stat.is_a?(Hash) ? stat['calls'].to_i : stat.to_s[/calls=(\d+)/, 1].to_i }
ensure
  direct&.close
end
results['replica_reads'] = [keys.map { |k| reader.get(k) }.map(&:to_i).sum, reader.set('{user:1}:name', 'bea'), rc.get('{user:1}:name'), gets >= 100]
reader.close
rc.close
report(results)
