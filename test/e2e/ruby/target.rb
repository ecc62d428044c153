# Where the test points a Ruby client: TARGET is JSON {host, port, tls?: {ca}, password?} (or {servers: [...]} for
# memcached), set by ruby-clients.test.ts.
require 'json'

TARGET = JSON.parse(ENV.fetch('TARGET'))

# redis-rb 4.8 warns on every call Sidekiq and redis-namespace make the 4.x way; the warnings would bury a failure.
require 'redis'
Redis.silence_deprecations = true

# redis-rb connection options for TARGET, as an application on ElastiCache passes them.
def redis_options
  options = { host: TARGET['host'], port: TARGET['port'], timeout: 10 }
  options.merge!(ssl: true, ssl_params: { ca_file: TARGET['tls']['ca'] }) if TARGET['tls']
  options[:password] = TARGET['password'] if TARGET['password']
  options
end

# Dalli client options for TARGET: an SSL context that trusts the emulator's CA when the cluster encrypts in transit.
def dalli_options
  return {} unless TARGET['tls']

  require 'openssl'
  context = OpenSSL::SSL::SSLContext.new
  context.set_params(ca_file: TARGET['tls']['ca'], verify_mode: OpenSSL::SSL::VERIFY_PEER)
  { ssl_context: context }
end

# Infinite floats (zset scores) as the strings JSON can hold.
def json_safe(value)
  case value
  when Hash then value.transform_values { |v| json_safe(v) }
  when Array then value.map { |v| json_safe(v) }
  when Float then value.finite? ? value : value.to_s
  else value
  end
end

# One JSON line on stdout: what the test compares.
def report(results)
  $stdout.puts(JSON.generate(json_safe(results)))
  $stdout.flush
end

# A line the test waits for before acting (a failover, a resharding); the script goes on once stdin answers.
def checkpoint(name)
  $stdout.puts("@#{name}")
  $stdout.flush
  $stdin.gets
end
