# redis-rb against a server that wants a password (an AUTH token group): what an application sees without it, with
# a wrong one, with the right one (alone and with the default user's name), and a wrong AUTH on a good connection.
require 'redis'
require_relative 'target'

def attempt(**options)
  client = Redis.new(**redis_options, **options)
  client.ping
rescue Redis::BaseError => e
  [e.class.name, e.message]
ensure
  client&.close
end

results = {
  'none' => attempt(password: nil),
  'wrong' => attempt(password: 'not-the-token'),
  'right' => attempt,
  'user' => attempt(username: 'default'),
  'wrong_user' => attempt(username: 'nobody'),
}
r = Redis.new(**redis_options)
results['reauth'] = [r.ping, (r.call(:auth, 'nope') rescue $!.message), r.ping, r.call(:auth, TARGET['password']), r.call(:hello, 2).is_a?(Hash) || 'array']
r.close
report(results)
