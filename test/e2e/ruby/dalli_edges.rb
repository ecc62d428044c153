# Dalli 3.0.6's corners of memcached's binary protocol: odd keys and values, long TTLs (sent as absolute times),
# counter wrap-around, quiet multi blocks, delayed flush, and the names of the statistics a node reports.
require 'dalli'
require_relative 'target'

Dalli.logger.level = Logger::FATAL
servers = TARGET.fetch('servers')
dc = Dalli::Client.new(servers, socket_timeout: 5)
dc.flush
results = {}
def stored(value) = value.is_a?(Integer) && value.positive? ? 'stored' : value

def error_of
  yield
rescue Dalli::DalliError, ArgumentError => e
  [e.class.name, e.message]
end

odd_keys = ['with space', "tab\tand\nnewline", 'ünïcødé ключ', 'k' * 250, 'k' * 300, "\u0000nul"]
results['keys'] = odd_keys.map { |k| [stored(dc.set(k, k.size)), dc.get(k)] } << error_of { dc.set('', 1) } << dc.get_multi(odd_keys).size
results['values'] = [stored(dc.set('empty', '', 0, raw: true)), dc.get('empty', raw: true), stored(dc.set('nil', nil)), dc.get('nil'),
                     dc.fetch('nil') { 'replaced' }, stored(dc.set('bin', "\x00\xff\r\nEND\r\n".b, 0, raw: true)), dc.get('bin', raw: true)&.bytes,
                     stored(dc.set('sym', :symbol)), dc.get('sym'), stored(dc.set('float', 1.5)), dc.get('float')]
results['ttl'] = [stored(dc.set('month', 'm', 31 * 24 * 3600)), dc.get('month'), stored(dc.set('past', 'p', -1)), dc.get('past'),
                  dc.touch('month', 40 * 24 * 3600), dc.get('month'), dc.gat('month', 0), stored(dc.set('zero', 'z', 0)), dc.get('zero')]
results['counters'] = [stored(dc.set('max', (2**64 - 1).to_s, 0, raw: true)), dc.incr('max', 1), dc.get('max', raw: true), dc.decr('max', 5),
                       stored(dc.set('pad', '00000000000000000009', 0, raw: true)), dc.incr('pad', 1), dc.get('pad', raw: true),
                       stored(dc.set('spaced', ' 5', 0, raw: true)), error_of { dc.incr('spaced', 1) },
                       stored(dc.set('neg', '-5', 0, raw: true)), error_of { dc.incr('neg', 1) },
                       stored(dc.set('big', '1' * 25, 0, raw: true)), error_of { dc.incr('big', 1) },
                       dc.incr('fresh', 7, 100, 2**64 - 1), dc.incr('fresh', 1), error_of { dc.incr('fresh', -1) },
                       stored(dc.set('trail', '12abc', 0, raw: true)), error_of { dc.decr('trail', 1) }]
dc.multi do
  dc.set('q1', 'a')
  dc.set('q2', 'b')
  dc.delete('q1')
  dc.add('q2', 'c')
end
results['multi'] = dc.get_multi('q1', 'q2', 'q2')
many = (1..1000).map { |i| "many:#{i}" }
dc.multi { many.each { |k| dc.set(k, k) } }
results['get_multi'] = [dc.get_multi(many).size, dc.get_multi([]), dc.get_multi(%w[many:1 many:1]).keys]
results['stat_names'] = dc.stats.values.first.keys.sort
results['version'] = dc.version.values.first.match?(/\A\d+\.\d+\.\d+/)
results['reset_stats'] = dc.reset_stats.uniq
# Dalli's flush(delay) staggers the nodes: the first flushes now, the second after `delay` s, the third after 2 * delay.
singles = servers.map { |s| Dalli::Client.new([s]) }
singles.each { |c| c.set('mine', 'here') }
results['delayed_flush'] = [dc.flush(2).size, singles.map { |c| c.get('mine') }]
deadline = Time.now + 10
sleep 0.1 until singles.all? { |c| c.get('mine').nil? } || Time.now > deadline
# An item stored in the second a delayed flush comes due is flushed too (memcached's oldest_live): use the first node.
results['flushed'] = [singles.map { |c| c.get('mine') }, stored(singles.first.set('after', 1)), singles.first.get('after')]
# stats(:settings): the names, and oldest (the cut-off of a flush just made) against the node's clock (uptime + 60):
singles.first.flush
settings = singles.first.stats(:settings).values.first
clock = singles.first.stats.values.first['uptime'].to_i + 60
# oldest is a second before the flush (CAS on); two when the clock ticked before uptime was read.
results['settings'] = [settings.keys.sort, (-2..-1).cover?(settings['oldest'].to_i - clock), singles.first.stats(:sizes).values.first.keys]
report(results)
