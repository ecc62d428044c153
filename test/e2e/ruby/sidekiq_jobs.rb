# Sidekiq 6.4 as an application runs it: a client pushes jobs (perform_async, perform_in, push_bulk, a job that
# fails once, a job that dies), then a Sidekiq::Launcher with concurrency 5 (what `sidekiq -c 5` starts) works
# them on TARGET. The API (Stats, Queue, ScheduledSet, RetrySet, DeadSet, ProcessSet, Workers) is read on the way
# and goes into the report. With FAILOVER=1 the script stops at "@failover" while jobs are in flight, the test
# fails the group over, and the script pushes more jobs once told to go on: every job must still complete. With CLI=1
# the `sidekiq` executable works the jobs instead.
require_relative 'sidekiq_app'

def wait_for(what, seconds = 30)
  deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
  until (value = yield)
    raise "timed out waiting for #{what}" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

    sleep 0.05
  end
  value
end

redis(&:flushdb)
results = {}

if ENV['FAILOVER'] == '1'
  # An application pushing a job every 10 ms all along; a push the failover refuses is made again, as it would be.
  pushed = []
  pushing = true
  pusher = Thread.new do
    i = 0
    while pushing
      begin
        CountedJob.perform_async(i)
        pushed << i
        i += 1
      rescue Redis::BaseError
        sleep 0.05
      end
      sleep 0.01
    end
  end
  launcher = Sidekiq::Launcher.new(Sidekiq.options)
  launcher.run
  wait_for('jobs before the failover') { redis { |c| c.scard('counted') } >= 10 }
  node_before = redis { |c| c.info('server')['run_id'] }
  checkpoint('failover')
  during = pushed.size
  wait_for('jobs pushed after the failover') { pushed.size >= during + 20 }
  pushing = false
  pusher.join
  wait_for("every job (#{pushed.size} pushed)", 45) { redis { |c| c.scard('counted') } == pushed.size }
  launcher.stop
  results['other_node'] = redis { |c| c.info('server')['run_id'] } != node_before
  results['counted'] = redis { |c| c.smembers('counted') }.map(&:to_i).sort == pushed
  stats = Sidekiq::Stats.new
  results['stats'] = { 'enqueued' => stats.enqueued, 'retry' => stats.retry_size, 'dead' => stats.dead_size }
  warn "failover: #{pushed.size} jobs pushed, #{during} before the failover ended" if ENV['DEBUG']
  report(results)
  exit
end

if ENV['CLI'] == '1'
  # The `sidekiq` executable (boot, Redis version check through INFO, signals) works the jobs; TERM stops it cleanly.
  AddJob.perform_in(1, 10, 20)
  Sidekiq::Client.push_bulk('class' => AddJob, 'args' => (1..20).map { |i| [i, i] })
  cli = Process.spawn('/usr/bin/sidekiq', '-r', File.join(__dir__, 'sidekiq_app.rb'), '-c', '5', '-q', 'default', '-q', 'low', '-t', '5', out: :err)
  wait_for('the CLI process') { Sidekiq::ProcessSet.new.size == 1 }
  results['process'] = Sidekiq::ProcessSet.new.map { |p| [p['concurrency'], p['queues'].sort, p['quiet']] }
  wait_for('the jobs') { redis { |c| c.llen('sums') } == 21 }
  Process.kill('TERM', cli)
  results['exit'] = Process.wait2(cli).last.exitstatus
  results['after'] = [redis { |c| c.lrange('sums', 0, -1) }.map(&:to_i).sum, Sidekiq::ProcessSet.new.size, Sidekiq::Stats.new.processed]
  report(results)
  exit
end

# The client side, before any server runs.
jid = AddJob.perform_async(2, 3)
pushed_at = Time.now.to_f
scheduled_jid = AddJob.perform_in(1, 10, 20)
bulk = Sidekiq::Client.push_bulk('class' => AddJob, 'args' => (1..50).map { |i| [i, i] })
FlakyJob.perform_async('f1')
DoomedJob.perform_async('d1')
AddJob.set(queue: 'low').perform_async(100, 1)

stats = Sidekiq::Stats.new
queue = Sidekiq::Queue.new
scheduled = Sidekiq::ScheduledSet.new
results['before'] = {
  'jid' => jid.match?(/\A\h{24}\z/),
  'bulk' => bulk.size,
  'enqueued' => stats.enqueued,
  'queues' => stats.queues,
  'scheduled_size' => stats.scheduled_size,
  'processed' => stats.processed,
  'queue_names' => Sidekiq::Queue.all.map(&:name).sort,
  'queue_size' => queue.size,
  'first_args' => queue.to_a.last.args,
  'find_job' => queue.find_job(jid)&.args,
  'latency' => queue.latency.between?(0, 30),
  'scheduled' => scheduled.map { |e| [e.klass, e.args, e.jid == scheduled_jid] },
  'scheduled_at' => (scheduled.first.at.to_f - pushed_at).between?(0.9, 1.5),
  'find_scheduled' => scheduled.find_job(scheduled_jid)&.args,
  'paused' => queue.paused?,
}

launcher = Sidekiq::Launcher.new(Sidekiq.options)
launcher.run
wait_for('the process heartbeat') { Sidekiq::ProcessSet.new.size == 1 }
process = Sidekiq::ProcessSet.new.first
results['process'] = [process['concurrency'], process['queues'].sort, process.stopping?]

# The scheduled job (due in 1 s) may already have run on a slow machine.
wait_for('the first pass') { redis { |c| c.llen('sums') } >= 52 && Sidekiq::DeadSet.new.size == 1 && Sidekiq::RetrySet.new.size == 1 }
retries = Sidekiq::RetrySet.new
dead = Sidekiq::DeadSet.new
results['failures'] = {
  'retry' => retries.map { |e| [e.klass, e.args, e['retry_count'], e['error_class'], e['error_message'], e.queue] },
  'dead' => dead.map { |e| [e.klass, e.args, e['error_class'], e['error_message'], e.queue] },
}
# "Retry now" from the Web UI: the retry goes back on its queue at once and succeeds.
retries.retry_all
wait_for('the retried job') { redis { |c| c.llen('flaky') } == 1 }
wait_for('the scheduled job') { redis { |c| c.llen('sums') } == 53 }
results['after_retry'] = [redis { |c| c.lrange('flaky', 0, -1) }, Sidekiq::RetrySet.new.size, Sidekiq::ScheduledSet.new.size]

HeldJob.perform_async
wait_for('a busy worker') { Sidekiq::Processor::WORKER_STATE.size == 1 }
# The heartbeat thread records busy workers every 5 s; a beat now records what that one would.
launcher.send(:heartbeat)
results['workers'] = Sidekiq::Workers.new.map { |_process, _tid, work| [work['queue'], work['payload']['class']] }
redis { |c| c.rpush('release', 'go') }
wait_for('the held job') { redis { |c| c.llen('held') } == 1 }

# The dead job, retried from the morgue, dies again.
dead.first.retry
wait_for('the dead job again') { Sidekiq::DeadSet.new.size == 1 }
launcher.stop
# What the at_exit hook does: the counters of the last jobs reach Redis.
Sidekiq::Launcher.flush_stats

sums = redis { |c| c.lrange('sums', 0, -1) }.map(&:to_i)
stats = Sidekiq::Stats.new
results['after'] = {
  'sums' => [sums.size, sums.sum, sums.include?(30), sums.include?(5)],
  'processed' => stats.processed,
  'failed' => stats.failed,
  'enqueued' => stats.enqueued,
  'queues' => stats.queues,
  'retry_size' => stats.retry_size,
  'dead_size' => stats.dead_size,
  'scheduled_size' => stats.scheduled_size,
  'latency' => stats.default_queue_latency,
  'history' => Sidekiq::Stats::History.new(1).processed.values,
  'history_failed' => Sidekiq::Stats::History.new(1).failed.values,
  'processes' => Sidekiq::ProcessSet.new.size,
}
dead.clear
Sidekiq::Queue.new('low').clear
results['cleared'] = [Sidekiq::DeadSet.new.size, Sidekiq::Stats.new.queues]

# What the Web UI's buttons do, with no server running: page through queues and sets, reschedule, enqueue now,
# delete by value, kill, trim the morgue, reset the counters.
now = Time.now.to_f
later = (1..120).map { |i| AddJob.perform_at(now + 1000 + i, i, 0) }
Sidekiq::Client.push_bulk('class' => AddJob, 'args' => (1..60).map { |i| [i, 1] }, 'queue' => 'bulk')
scheduled = Sidekiq::ScheduledSet.new
entry = scheduled.find_job(later[9])
entry.reschedule(now + 5000)
scheduled.find_job(later[0]).add_to_queue
scheduled.find_job(later[1]).kill
results['web'] = {
  'paged' => [Sidekiq::Queue.new('bulk').map { |job| job.args.first }.sum, scheduled.size, scheduled.map { |e| e.args.first }.size],
  'order' => scheduled.first(3).map { |e| e.args.first },
  'last' => scheduled.to_a.last.args.first,
  'fetch' => scheduled.fetch(now + 1003).map(&:args),
  'scan' => scheduled.scan('11,0').map(&:args).sort,
  'delete_by_value' => [scheduled.delete_by_value(scheduled.name, scheduled.find_job(later[2]).value), scheduled.size],
  'delete_by_jid' => [scheduled.find_job(later[3]).delete, scheduled.size],
  'queues' => Sidekiq::Stats::Queues.new.lengths,
  'dead' => Sidekiq::DeadSet.new.map(&:args),
  'enqueued_at' => Sidekiq::Queue.new('default').first.enqueued_at.is_a?(Time),
}
Sidekiq.options[:dead_max_jobs] = 2
3.times { |i| Sidekiq::DeadSet.new.kill(Sidekiq.dump_json('class' => 'AddJob', 'args' => [i], 'jid' => "dead#{i}", 'queue' => 'default')) }
Sidekiq::Stats.new.reset('failed')
results['trimmed'] = [Sidekiq::DeadSet.new.map(&:jid), Sidekiq::Stats.new.failed, Sidekiq::Stats.new.processed]
scheduled.clear
Sidekiq::Queue.all.each(&:clear)
results['emptied'] = [scheduled.size, Sidekiq::Queue.all.map(&:name), Sidekiq::Stats.new.enqueued]
report(results)
