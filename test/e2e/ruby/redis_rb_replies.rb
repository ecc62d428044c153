# redis-rb 4.8's reply conversions across the command families an application touches (floats, booleans, hashes of
# scores, geo, streams, bitfields, sorting, object introspection): each reply goes into the report, for the test to
# compare the same run against redis-server.
require 'redis'
require_relative 'target'

r = Redis.new(**redis_options)
r.flushdb
results = {}
def error_of
  yield
rescue Redis::CommandError => e
  e.message
end

results['strings'] = [r.set('s', 'hello', get: true), r.set('s', 'world', get: true), r.getex('s', px: 50_000), r.pttl('s') > 40_000,
                      r.getdel('s'), r.setrange('s', 3, 'xy'), r.get('s'), r.append('s', 'z'), r.strlen('s'), r.getrange('s', -3, -1),
                      r.incrbyfloat('fl', 10.5), r.incrbyfloat('fl', 0.1), r.incrbyfloat('fl', -5e3), r.incrbyfloat('fl', 1.0e-20),
                      r.set('n', 10, ex: 100, nx: true), r.set('n', 11, xx: true, keepttl: true), r.ttl('n'), r.decrby('n', 20),
                      r.msetnx('n', 1, 'm', 2), r.copy('n', 'n2'), r.get('n2'), r.call(:lcs, 'n', 'n2')]
results['floats'] = [r.zincrby('zf', 0.1, 'a'), r.zincrby('zf', 0.2, 'a'), r.zadd('zf', 1e300, 'big'), r.zscore('zf', 'big'), r.zadd('zf', '-inf', 'low'),
                     r.zrange('zf', 0, -1, with_scores: true), r.zadd('zf', 3, 'a', incr: true), r.zadd('zf', 1, 'a', xx: true, ch: true),
                     r.zmscore('zf', 'a', 'none'), r.zrangebyscore('zf', '(0', '+inf', limit: [0, 1], with_scores: true),
                     r.hincrbyfloat('hf', 'x', 2.5), r.hincrbyfloat('hf', 'x', 1e-5), error_of { r.hincrbyfloat('hf', 'x', 'nan') }]
results['zsets'] = [r.zadd('z', [[1, 'a'], [2, 'b'], [3, 'c'], [3, 'd']]), r.zrevrange('z', 0, 1, withscores: true), r.zrank('z', 'c'),
                    r.zrevrank('z', 'a'), r.zcount('z', 2, '+inf'), r.zlexcount('z', '-', '+'), r.zpopmax('z'), r.zpopmin('z', 2),
                    r.zunionstore('zu', %w[z zf], weights: [2, 1], aggregate: 'max'), r.zrange('zu', 0, -1, with_scores: true),
                    r.zinter('z', 'zu', with_scores: true), r.zdiff('zu', 'z'), r.zremrangebyscore('zu', '-inf', 2), r.zcard('zu')]
results['hashes'] = [r.hset('h', 'a', 1, 'b', 2), r.hsetnx('h', 'a', 9), r.hmget('h', 'a', 'zz', 'b'), r.mapped_hmget('h', 'a', 'b'),
                     r.hincrby('h', 'a', 5), r.hkeys('h').sort, r.hlen('h'), r.hexists('h', 'b'), r.hdel('h', 'b', 'zz'), r.hstrlen('h', 'a')]
results['lists'] = [r.rpush('l', %w[a b c a b]), r.lpos('l', 'b'), r.call(:lpos, 'l', 'b', :rank, -1), r.call(:lpos, 'l', 'a', :count, 0), r.linsert('l', :before, 'c', 'x'),
                    r.lset('l', 0, 'A'), r.lrem('l', -1, 'b'), r.ltrim('l', 0, 3), r.lrange('l', 0, -1), r.lmove('l', 'l2', 'RIGHT', 'LEFT'),
                    r.lpushx('nolist', 'v'), r.rpop('l', 2), r.lpop('empty'), r.llen('l')]
results['sets'] = [r.sadd('s1', %w[a b c]), r.sadd('s2', %w[b c d]), r.sinter('s1', 's2').sort, r.sunion('s1', 's2').sort, r.sdiff('s1', 's2'),
                   r.sismember('s1', 'a'), r.smismember('s1', 'a', 'z'), r.smove('s1', 's2', 'a'), r.sinterstore('s3', 's1', 's2'), r.scard('s3'),
                   r.srem('s2', %w[a z]), r.call(:sintercard, 2, 's1', 's2')]
results['geo'] = [r.geoadd('g', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania'), r.geodist('g', 'Palermo', 'Catania', 'km'),
                  r.geopos('g', %w[Palermo Nowhere]), r.geohash('g', 'Palermo'),
                  r.georadius('g', 15, 37, 200, 'km', 'WITHDIST', 'WITHCOORD', 'ASC'), r.call(:geosearch, 'g', :frommember, 'Palermo', :byradius, 300, :km, :withdist)]
results['bits'] = [r.setbit('b', 7, 1), r.getbit('b', 7), r.bitcount('b'), r.bitpos('b', 1), r.bitop('OR', 'b2', 'b', 'b'),
                   r.bitfield('bf', 'SET', 'i8', 0, 100, 'INCRBY', 'i8', 0, 100, 'OVERFLOW', 'SAT', 'INCRBY', 'u4', 8, 20, 'GET', 'i8', 0),
                   r.pfadd('hll', %w[a b c d]), r.pfcount('hll'), r.pfmerge('hll2', 'hll')]
first = r.xadd('st', { 'k' => 'v1' }, id: '1-1')
r.xadd('st', { 'k' => 'v2' }, id: '2-1')
r.xgroup(:create, 'st', 'g', '0')
results['streams'] = [first, r.xlen('st'), r.xrange('st', '-', '+', count: 1), r.xrevrange('st'), r.xreadgroup('g', 'c1', 'st', '>', count: 1),
                      r.xpending('st', 'g'), r.xpending('st', 'g', '-', '+', 10).map { |p| p.reject { |k, _| k == 'elapsed' } },
                      r.xclaim('st', 'g', 'c2', 0, '1-1'), r.xack('st', 'g', '1-1'), r.xtrim('st', 1), r.xread('st', '0'),
                      r.xinfo(:groups, 'st').map { |g| g.slice('name', 'consumers', 'pending', 'last-delivered-id') },
                      error_of { r.xadd('st', { 'k' => 'v' }, id: '1-1') }, r.xdel('st', '2-1'), r.xlen('st')]
r.rpush('sortme', %w[3 1 2])
r.mset('w_1', 'c', 'w_2', 'a', 'w_3', 'b')
results['sort'] = [r.sort('sortme'), r.sort('sortme', order: 'desc', limit: [0, 2]), r.sort('sortme', by: 'w_*', get: ['#', 'w_*'], order: 'alpha'),
                   r.sort('sortme', store: 'sorted'), error_of { r.sort('w_1') }]
results['keys'] = [r.exists('sortme', 'nokey', 'sortme'), r.expire('sortme', 100), r.expire('nokey', 100), r.persist('sortme'), r.ttl('sortme'),
                   r.pexpire('sortme', 100_000), r.call(:expiretime, 'sortme') > 0, r.rename('sortme', 'sorted2'), r.renamenx('sorted2', 'sorted'),
                   r.type('sorted2'), r.object(:encoding, 'sorted2'), r.object(:encoding, 'h'), r.object(:encoding, 'n'), r.object(:refcount, 'h'),
                   r.touch('h', 'nokey'), r.unlink('hll2', 'nokey'), r.randomkey.is_a?(String), r.dbsize, r.keys('w_*').sort,
                   r.dump('w_1').bytes.first(3), r.restore('w_r', 0, r.dump('w_1')), r.get('w_r'), error_of { r.restore('w_r', 0, r.dump('w_1')) }]
results['misc'] = [r.echo('hi'), r.ping('pong?'), r.client(:setname, 'app-1'), r.client(:getname), r.select(0), r.time.size,
                   error_of { r.call(:get) }, error_of { r.call(:set, 'k') }, error_of { r.call(:incrby, 'n', 'x') }, error_of { r.call(:expire, 'n', 'x') },
                   r.memory(:usage, 'w_1').is_a?(Integer), r.lastsave.is_a?(Integer)]
r.close
report(results)
