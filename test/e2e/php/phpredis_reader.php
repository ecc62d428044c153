<?php
// phpredis on a reader endpoint (a replica): reads of what the primary wrote, writes refused, a script that
// writes refused, EVAL_RO and read-only transactions served. Compared with a redis-server replica.
declare(strict_types=1);
require __DIR__ . '/target.php';

$r = redis_client();
$out = [
    $r->get('written-on-primary'), $r->hGetAll('h-on-primary'), caught(fn () => $r->set('k', 'v')), $r->getLastError(),
    caught(fn () => $r->eval("return redis.call('set', 'k', 'v')")), caught(fn () => $r->eval("return redis.call('get', 'written-on-primary')")),
    $r->rawCommand('EVAL_RO', "return redis.call('get', KEYS[1])", '1', 'written-on-primary'), array_map(fn ($v) => is_int($v) ? $v > 900 : $v, $r->multi()->get('written-on-primary')->ttl('written-on-primary')->exec()),
    $r->role()[0], caught(fn () => $r->flushDb()), $r->dbSize(),
    // Last: phpredis stays in MULTI mode after the refused EXEC throws.
    caught(fn () => $r->multi()->incr('x')->exec()),
];
report(['replies' => $out]);
