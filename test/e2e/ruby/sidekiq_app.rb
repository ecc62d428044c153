# The Sidekiq application both ways of running it load: its Redis configuration (TARGET; NAMESPACE puts the keys under
# a prefix through redis-namespace, as Sidekiq 6 applications sharing a database configure it) and its job classes.
# sidekiq_jobs.rb requires it and runs a Launcher itself; `sidekiq -r ./sidekiq_app.rb` runs it as the CLI does.
require 'sidekiq'
require 'sidekiq/api'
require 'sidekiq/launcher'
require_relative 'target'

Sidekiq.logger.level = ENV['DEBUG'] ? Logger::DEBUG : Logger::FATAL
Sidekiq.redis = redis_options.merge(size: 10, **(ENV['NAMESPACE'] ? { namespace: ENV['NAMESPACE'] } : {}))
Sidekiq.options[:concurrency] = 5
Sidekiq.options[:queues] = %w[default low]
Sidekiq.options[:poll_interval_average] = 0.2
# The poller's first sleep (0-5 s of jitter) spreads a fleet of processes; one process needs none.
Sidekiq::Scheduled::Poller.prepend(Module.new { def initial_wait; end })

def redis(&block) = Sidekiq.redis(&block)

class AddJob
  include Sidekiq::Job

  def perform(a, b)
    Sidekiq.redis { |c| c.rpush('sums', a + b) }
  end
end

class FlakyJob
  include Sidekiq::Job
  sidekiq_options retry: 3

  def perform(name)
    tries = Sidekiq.redis { |c| c.incr("tries:#{name}") }
    raise ArgumentError, "#{name} failed attempt #{tries}" if tries == 1

    Sidekiq.redis { |c| c.rpush('flaky', "#{name}:#{tries}") }
  end
end

class DoomedJob
  include Sidekiq::Job
  sidekiq_options retry: 0, queue: 'low'

  def perform(*) = raise(IOError, 'doomed for good')
end

# Holds its worker until the test has looked at Sidekiq::Workers.
class HeldJob
  include Sidekiq::Job

  def perform
    Sidekiq.redis { |c| c.blpop('release', timeout: 20) }
    Sidekiq.redis { |c| c.rpush('held', 'released') }
  end
end

class CountedJob
  include Sidekiq::Job

  def perform(i)
    sleep 0.02
    Sidekiq.redis { |c| c.sadd('counted', i) }
  end
end
