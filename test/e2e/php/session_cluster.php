<?php
// PHP sessions on a cluster-mode group with phpredis's rediscluster handler (which has no locking in phpredis 5):
// a session written by one process is read and changed by another, lives gc_maxlifetime, and expires.
declare(strict_types=1);
require __DIR__ . '/target.php';

$t = target();
ini_set('session.use_cookies', '0');
ini_set('session.use_strict_mode', '0');
ini_set('session.cache_limiter', '');
ini_set('session.save_handler', 'rediscluster');
ini_set('session.save_path', "seed[]={$t['host']}:{$t['port']}&timeout=5&read_timeout=5");
ini_set('session.gc_maxlifetime', '300');

function open_session(string $id): void
{
    session_id($id);
    session_start();
}

$c = new RedisCluster(null, ["{$t['host']}:{$t['port']}"], 5.0, 5.0);
// Random ids, drawn again until both halves of the slots (both shards) hold one: eight ids all fell in one
// shard 1 time in 128, and the two servers' reports differed by 'shards used'.
do {
    $ids = array_map(fn ($i) => "php{$i}" . bin2hex(random_bytes(8)), range(1, 8));
    $low = array_map(fn ($id) => $c->rawCommand("PHPREDIS_CLUSTER_SESSION:$id", 'CLUSTER', 'KEYSLOT', "PHPREDIS_CLUSTER_SESSION:$id") < 8192, $ids);
} while (!in_array(true, $low, true) || !in_array(false, $low, true));
foreach ($ids as $i => $id) {
    open_session($id);
    $_SESSION['user'] = "user$i";
    session_write_close();
}
$child = pcntl_fork();
if ($child === 0) {
    foreach ($ids as $id) {
        open_session($id);
        $_SESSION['seen'] = true;
        session_write_close();
    }
    exit(0);
}
pcntl_waitpid($child, $status);
$out = ['read back' => [], 'lifetime' => []];
foreach ($ids as $id) {
    open_session($id);
    $out['read back'][] = $_SESSION;
    session_write_close();
    $ttl = $c->ttl("PHPREDIS_CLUSTER_SESSION:$id");
    $out['lifetime'][] = $ttl > 290 && $ttl <= 300;
}
$out['shards used'] = count(array_filter($c->_masters(), function ($node) use ($c) {
    $it = null;
    return (bool) $c->scan($it, $node, 'PHPREDIS_CLUSTER_SESSION:php*', 1000);
}));
ini_set('session.gc_maxlifetime', '1');
open_session($ids[0]);
$_SESSION['user'] = 'short';
session_write_close();
for ($deadline = microtime(true) + 20; $c->exists("PHPREDIS_CLUSTER_SESSION:{$ids[0]}") && microtime(true) < $deadline; usleep(20000));
open_session($ids[0]);
$out['after expiry'] = $_SESSION;
session_write_close();
open_session($ids[1]);
session_destroy();
$out['destroyed'] = $c->exists("PHPREDIS_CLUSTER_SESSION:{$ids[1]}");
report($out);
