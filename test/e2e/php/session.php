<?php
// PHP sessions stored as applications on ElastiCache store them: HANDLER=redis (phpredis's handler, with
// redis.session.locking_enabled) or HANDLER=memcached (php-memcached's, with memcached.sess_locking; the text
// protocol when BINARY=0).
// Two processes share one session id: the second waits for the first's lock and sees its write. Then the
// lifetime of the stored session (session.gc_maxlifetime) and its expiry.
declare(strict_types=1);
require __DIR__ . '/target.php';

$redis = getenv('HANDLER') === 'redis';
ini_set('session.use_cookies', '0');
ini_set('session.use_strict_mode', '0');
ini_set('session.cache_limiter', '');
if ($redis) {
    ini_set('session.save_handler', 'redis');
    ini_set('session.save_path', redis_save_path());
    ini_set('redis.session.locking_enabled', '1');
    ini_set('redis.session.lock_retries', '-1');
    ini_set('redis.session.lock_wait_time', '20000');
} else {
    ini_set('session.save_handler', 'memcached');
    ini_set('session.save_path', memcached_save_path());
    ini_set('memcached.sess_locking', '1');
    ini_set('memcached.sess_binary_protocol', getenv('BINARY') === '0' ? '0' : '1');
    ini_set('memcached.sess_lock_retries', '1000');
    ini_set('memcached.sess_lock_wait_min', '20');
    ini_set('memcached.sess_lock_wait_max', '20');
}

/** Where the handler keeps a session and its lock, read and counted with the library's own client. */
interface Store
{
    public function exists(string $key): bool;
    /** Storage commands served so far (a waiting lock is one per try). */
    public function stores(): int;
    /** Seconds the key has left. */
    public function ttl(string $key): int;
}

final class RedisStore implements Store
{
    private Redis $r;
    public function __construct() { $this->r = redis_client(); }
    public function exists(string $key): bool { return $this->r->exists("PHPREDIS_SESSION:$key") === 1; }
    public function stores(): int
    {
        parse_str(strtr($this->r->info('commandstats')['cmdstat_set'] ?? '', ',', '&'), $stat);
        return (int) ($stat['calls'] ?? 0);
    }
    public function ttl(string $key): int { return $this->r->ttl("PHPREDIS_SESSION:$key"); }
}

final class MemcachedStore implements Store
{
    /** @var Memcached[] one client per node: where the handler puts a key is its own hashing's business. */
    private array $nodes = [];
    public function __construct()
    {
        foreach (target()['nodes'] as $n) {
            $this->nodes[] = $m = new Memcached();
            $m->addServer($n['host'], $n['port']);
        }
    }
    public function exists(string $key): bool
    {
        foreach ($this->nodes as $m) {
            if ($m->get("memc.sess.key.$key") !== false) {
                return true;
            }
        }
        return false;
    }
    public function stores(): int { return array_sum(array_map(fn ($m) => current($m->getStats())['cmd_set'], $this->nodes)); }
    public function ttl(string $key): int
    {
        // memcached's meta get tells an item's remaining lifetime ('t' flag); ask each node.
        foreach (target()['nodes'] as $n) {
            $s = fsockopen($n['host'], $n['port']);
            fwrite($s, "mg memc.sess.key.$key t\r\n");
            $line = trim(fgets($s));
            fclose($s);
            if (preg_match('/^HD t(-?\d+)/', $line, $m)) {
                return (int) $m[1];
            }
        }
        return -2;
    }
}

function store(bool $redis): Store
{
    return $redis ? new RedisStore() : new MemcachedStore();
}

/** Polls `$f` every 10 ms until it is true; false after 20 s. */
function wait_for(callable $f): bool
{
    for ($deadline = microtime(true) + 20; microtime(true) < $deadline; usleep(10000)) {
        if ($f()) {
            return true;
        }
    }
    return false;
}

function open_session(string $id): void
{
    session_id($id);
    session_start();
}

$id = 'php' . bin2hex(random_bytes(12));
$lock = $redis ? "{$id}_LOCK" : "lock.$id";
$out = [];

open_session($id);
$_SESSION['n'] = 1;
session_write_close();

// The second process: it opens the session once the first holds the lock, and exits with the count it saw.
$child = pcntl_fork();
if ($child === 0) {
    $s = store($redis);
    wait_for(fn () => $s->exists($lock));
    open_session($id);
    $_SESSION['n']++;
    $seen = $_SESSION['n'];
    session_write_close();
    exit($seen);
}
$s = store($redis);
open_session($id);
$before = $s->stores();
// Released only once the second process has tried the lock twice and waits.
$out['waited'] = wait_for(fn () => $s->stores() >= $before + 2);
$_SESSION['n']++;
$_SESSION['by'] = 'first';
session_write_close();
pcntl_waitpid($child, $status);
$out['second saw'] = pcntl_wexitstatus($status);
open_session($id);
$out['session'] = $_SESSION;
session_write_close();
$out['lock left'] = $s->exists($lock);

ini_set('session.gc_maxlifetime', '300');
open_session($id);
$_SESSION['n'] = 10;
session_write_close();
$ttl = $s->ttl($id);
$out['lifetime'] = $ttl > 290 && $ttl <= 300 ? 'gc_maxlifetime' : $ttl;

ini_set('session.gc_maxlifetime', '1');
open_session($id);
$_SESSION['n'] = 11;
session_write_close();
$out['expired'] = wait_for(fn () => !$s->exists($id));
open_session($id);
$out['after expiry'] = $_SESSION;
session_write_close();
report($out);
