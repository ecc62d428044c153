# redis-rb on a replica (the reader endpoint), writes on PRIMARY ({host, port} JSON): reads once replicated, the
# refusals of writes, write scripts and blocking pops, read-only scripts, a key expired on the primary, and a
# message published on the primary reaching a subscriber of the replica.
require 'redis'
require_relative 'target'

primary = Redis.new(host: JSON.parse(ENV.fetch('PRIMARY'))['host'], port: JSON.parse(ENV.fetch('PRIMARY'))['port'], timeout: 10)
replica = Redis.new(**redis_options)
primary.flushdb
def error_of
  yield
rescue Redis::CommandError => e
  e.message.sub(/script: \h+/, 'script: <sha>')
end

def eventually(seconds = 10)
  deadline = Time.now + seconds
  sleep 0.02 until (value = yield) || Time.now > deadline
  value
end

primary.set('rk', 'v')
primary.rpush('list', %w[a b])
results = {}
results['replicated'] = eventually { replica.get('rk') == 'v' && replica.llen('list') == 2 }
results['reads'] = [replica.get('rk'), replica.lrange('list', 0, -1), replica.exists('rk', 'nope'), replica.scan_each.to_a.sort,
                    replica.info('replication')['role'], replica.call(:eval_ro, "return redis.call('get', KEYS[1])", 1, 'rk')]
results['refused'] = [error_of { replica.set('rk', 'x') }, error_of { replica.incr('n') }, error_of { replica.del('rk') },
                      error_of { replica.eval("return redis.call('set', KEYS[1], 'x')", keys: ['rk']) }, error_of { replica.blpop('list', timeout: 1) },
                      error_of { replica.call(:wait, 0, 0) }, error_of { replica.readonly }]
# A key past its TTL: the replica answers as if it were gone before (or after) the primary's DEL reaches it. The TTL
# outlasts replication at load (at 200 ms a loaded real replica once saw the key only after it had expired).
primary.set('short', 'gone', px: 1500)
results['before_expiry'] = eventually { replica.get('short') == 'gone' }
results['expired'] = [eventually { replica.get('short').nil? }, replica.exists('short'), replica.ttl('short'), replica.type('short'),
                      replica.scan_each.to_a.sort, replica.keys('*').sort, replica.mget('short', 'rk')]

subscribed = Queue.new
messages = []
listener = Thread.new do
  client = Redis.new(**redis_options)
  client.subscribe_with_timeout(10, 'news') do |on|
    on.subscribe { subscribed << true }
    on.message { |channel, message| messages << [channel, message] && client.unsubscribe }
  end
end
subscribed.pop
results['published'] = primary.publish('news', 'from the primary')
listener.join
results['message'] = messages
report(results)
