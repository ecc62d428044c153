# redis-rb 4.8 as applications use it on one endpoint: pipelined, multi/exec, watch, scripts with the NOSCRIPT
# fallback, pub/sub, blocking pops, scan_each, errors, and redis-namespace. Every reply goes into the report, so the
# test can compare the same run against redis-server.
require 'redis'
require 'redis-namespace'
require_relative 'target'

r = Redis.new(**redis_options)
other = Redis.new(**redis_options)
r.flushdb
results = {}

results['basics'] = [r.ping, r.set('a', '1'), r.set('a', '2', nx: true), r.incr('a'), r.get('a'), r.setex('t', 100, 'x'), r.ttl('t'),
                     r.exists?('a'), r.del('a', 'nope'), r.mget('t', 'nope'), r.incrbyfloat('f', 1.5), r.type('t')]
results['pipelined'] = r.pipelined do |p|
  p.set('p', 'v')
  p.get('p')
  p.hset('h', 'x', '1', 'y', '2')
  p.hgetall('h')
  p.zadd('z', [[1, 'a'], [2.5, 'b']])
  p.zrange('z', 0, -1, with_scores: true)
  p.sadd('s', %w[m n])
  p.smembers('s')
end
results['pipelined'][-1].sort!
results['pipelined_error'] = begin
  r.pipelined do |p|
    p.set('q', '1')
    p.lpush('q', 'x')
    p.get('q')
  end
rescue Redis::CommandError => e
  e.message
end

results['multi'] = r.multi do |m|
  m.incr('m')
  m.lpush('l', %w[a b c])
  m.lrange('l', 0, -1)
  m.expire('l', 100)
end
results['multi_error'] = begin
  r.multi do |m|
    m.set('e', 'x')
    m.incr('e')
  end
rescue Redis::CommandError => e
  [e.message, r.get('e')]
end

# WATCH: an untouched key lets EXEC through; a write by another client in between aborts it (nil).
results['watch'] = r.watch('w') do
  r.multi { |m| m.set('w', 'mine') }
end
results['watch_broken'] = r.watch('w') do
  other.set('w', 'theirs')
  r.multi { |m| m.set('w', 'mine again') }
end
results['watch_value'] = r.get('w')
r.watch('w')
results['unwatch'] = [r.unwatch, r.multi { |m| m.get('w') }]

# Scripts the way libraries keep them: EVALSHA first, EVAL when the server answers NOSCRIPT.
SCRIPT = "redis.call('incrby', KEYS[1], ARGV[1]); return {redis.call('get', KEYS[1]), tonumber(ARGV[1]) * 2, 'ok', false}"
sha = Digest::SHA1.hexdigest(SCRIPT)
r.script(:flush)
run_script = lambda do |*argv|
  r.evalsha(sha, keys: ['sc'], argv: argv)
rescue Redis::CommandError => e
  raise unless e.message.start_with?('NOSCRIPT')

  (results['noscript'] ||= []) << e.message
  r.eval(SCRIPT, keys: ['sc'], argv: argv)
end
results['script'] = [r.script(:exists, sha), run_script.call(3), r.script(:exists, [sha]), run_script.call(4), r.script(:load, SCRIPT) == sha]
results['script_error'] = begin
  r.eval("return redis.call('lpush', KEYS[1], 'x')", keys: ['sc'])
rescue Redis::CommandError => e
  e.message
end
results['script_values'] = r.eval("return {1, 2.9, 'three', {4, 'five'}, redis.status_reply('FINE'), true}")
results['script_pcall'] = r.eval("local ok = redis.pcall('incr', KEYS[1]); return ok['err']", keys: ['h'])

# Pub/sub: subscriber threads, a publisher once both subscriptions are confirmed.
subscribed = Queue.new
events = Queue.new
subscriber = Thread.new do
  client = Redis.new(**redis_options)
  client.subscribe_with_timeout(10, 'news') do |on|
    on.subscribe { |channel, count| subscribed << events.push(['subscribe', channel, count]) }
    on.message do |channel, message|
      events << ['message', channel, message]
      client.unsubscribe if message == 'stop'
    end
    on.unsubscribe { |channel, count| events << ['unsubscribe', channel, count] }
  end
end
psubscriber = Thread.new do
  client = Redis.new(**redis_options)
  client.psubscribe_with_timeout(10, 'ne*') do |on|
    on.psubscribe { |pattern, count| subscribed << events.push(['psubscribe', pattern, count]) }
    on.pmessage do |pattern, channel, message|
      events << ['pmessage', pattern, channel, message]
      client.punsubscribe if message == 'stop'
    end
    on.punsubscribe { |pattern, count| events << ['punsubscribe', pattern, count] }
  end
end
2.times { subscribed.pop }
results['published'] = [r.publish('news', 'hello'), r.pubsub(:numsub, 'news'), r.pubsub(:numpat), r.pubsub(:channels, 'n*'), r.publish('news', 'stop')]
[subscriber, psubscriber].each(&:join)
results['pubsub'] = Array.new(events.size) { events.pop }.sort

# Blocking pops: a timeout on an empty list, then a pop another client's push wakes.
results['blpop_timeout'] = r.blpop('empty', timeout: 1)
waiter = Thread.new { Redis.new(**redis_options).blpop('jobs', 'other', timeout: 5) }
sleep 0.01 until other.client(:list).any? { |c| c['cmd'] == 'blpop' }
other.rpush('jobs', %w[first second])
results['blpop'] = [waiter.value, r.lrange('jobs', 0, -1)]
results['brpoplpush'] = [r.brpoplpush('jobs', 'done', timeout: 1), r.lrange('done', 0, -1)]
r.zadd('zq', [[3, 'c'], [1, 'a']])
results['bzpopmin'] = [r.bzpopmin('zq', timeout: 1), r.bzpopmax('zq', 'zq2', timeout: 1), r.bzpopmin('zq', timeout: 1)]
results['blmove'] = r.blmove('done', 'moved', 'LEFT', 'RIGHT', timeout: 1)

# scan_each and its hash/set/zset forms, over more than one page.
r.mset(*(1..120).flat_map { |i| ["scan:#{i}", i] })
r.hset('big', (1..200).flat_map { |i| ["f#{i}", i] })
r.sadd('bigset', (1..200).map { |i| "m#{i}" })
r.zadd('bigz', (1..200).map { |i| [i, "z#{i}"] })
results['scan_each'] = r.scan_each(match: 'scan:*', count: 10).to_a.uniq.size
results['scan_type'] = r.scan_each(type: 'hash').to_a.sort
results['hscan_each'] = r.hscan_each('big', count: 10).to_a.uniq.size
results['sscan_each'] = r.sscan_each('bigset', match: 'm1*').to_a.uniq.size
results['zscan_each'] = r.zscan_each('bigz').to_a.uniq.sort_by(&:last).first(3)

results['wrongtype'] = begin
  r.incr('big')
rescue Redis::CommandError => e
  e.message
end
results['unknown'] = begin
  r.call(:nosuchcommand, 'x')
rescue Redis::CommandError => e
  e.message
end

# redis-namespace: keys go under "app:", commands with keys in odd places (blpop, eval, mget) included.
ns = Redis::Namespace.new(:app, redis: r)
ns.set('user:1', 'ann')
ns.mset('user:2', 'bob', 'user:3', 'cy')
ns.rpush('queue', 'job')
results['namespace'] = [ns.get('user:1'), ns.mget('user:2', 'user:3'), ns.keys('user:*').sort, r.keys('app:*').sort,
                        ns.blpop('queue', timeout: 1), ns.eval("return redis.call('get', KEYS[1])", keys: ['user:2']),
                        ns.exists?('user:1'), ns.del('user:1'), ns.scan_each(match: 'user:*').to_a.sort, ns.rename('user:2', 'user:9'), r.get('app:user:9')]
r.close
other.close
report(results)
