<?php
// The rest of phpredis's Redis class an application meets: geo, streams and consumer groups, HyperLogLog, bits,
// SORT, DUMP/RESTORE, expiry times, float formatting, errors inside MULTI, and the client options that change how
// replies come back. Compared, like phpredis.php, with the same script's report against redis-server.
declare(strict_types=1);
require __DIR__ . '/target.php';

$r = redis_client();
$r->flushDb();
$out = [];

$out['geo'] = [
    $r->geoAdd('g', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania', 2.349014, 48.864716, 'Paris'),
    $r->geoDist('g', 'Palermo', 'Catania', 'km'), $r->geoHash('g', 'Palermo', 'nope'), $r->geoPos('g', 'Catania', 'nope'),
    $r->geoRadius('g', 15, 37, 200, 'km', ['WITHDIST', 'WITHCOORD', 'ASC']), $r->geoRadiusByMember('g', 'Palermo', 1000, 'km', ['COUNT' => 1, 'DESC']),
    $r->geoRadius('g', 15, 37, 200, 'km', ['STORE' => 'gs']), $r->zRange('gs', 0, -1),
    $r->rawCommand('GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km', 'ASC', 'WITHHASH'),
];

$ids = [$r->xAdd('st', '1-1', ['a' => '1']), $r->xAdd('st', '1-2', ['b' => '2']), $r->xAdd('st', '2-0', ['c' => '3', 'd' => '4'])];
$out['streams'] = [
    $ids, $r->xAdd('st', '1-5', ['x' => 'y']), $r->getLastError(), $r->xLen('st'), $r->xRange('st', '-', '+', 2), $r->xRevRange('st', '+', '1-2'),
    $r->xGroup('CREATE', 'st', 'grp', '0'), $r->xGroup('CREATE', 'st', 'grp', '0'), $r->getLastError(),
    $r->xReadGroup('grp', 'alice', ['st' => '>'], 2), $r->xPending('st', 'grp'), array_map(fn ($e) => [$e[0], $e[1], is_int($e[2]), $e[3]], $r->xPending('st', 'grp', '-', '+', 10, 'alice')),
    $r->xAck('st', 'grp', ['1-1']), $r->xClaim('st', 'grp', 'bob', 0, ['1-2'], ['JUSTID']), $r->xReadGroup('grp', 'bob', ['st' => '0']),
    $r->xRead(['st' => '1-2'], 1), $r->xRead(['nostream' => '$'], 1, 50), $r->xDel('st', ['2-0']), $r->xTrim('st', 1),
    $r->xGroup('DELCONSUMER', 'st', 'grp', 'alice'), $r->xGroup('DESTROY', 'st', 'grp'),
    array_intersect_key($r->xInfo('STREAM', 'st'), array_flip(['length', 'last-generated-id', 'groups'])),
    $r->xAdd('capped', '*', ['v' => '1'], 2, true) !== false, $r->xLen('capped'), $r->type('st'),
];
$r->clearLastError();

$out['hll'] = [
    $r->pfAdd('h1', ['a', 'b', 'c']), $r->pfAdd('h1', ['a']), $r->pfAdd('h2', ['c', 'd']), $r->pfCount('h1'), $r->pfCount(['h1', 'h2']),
    $r->pfMerge('h3', ['h1', 'h2']), $r->pfCount('h3'),
];

$out['bits'] = [
    $r->set('b1', "\xff\xf0\x00"), $r->set('b2', "\x0f"), $r->bitOp('AND', 'band', 'b1', 'b2'), $r->get('band') === "\x0f\x00\x00",
    $r->bitOp('NOT', 'bnot', 'b2'), bin2hex($r->get('bnot')), $r->bitPos('b1', 0), $r->bitPos('b1', 1, 2), $r->bitCount('b1', 0, 0),
    $r->rawCommand('BITFIELD', 'bf', 'SET', 'u8', '0', '200', 'INCRBY', 'u8', '0', '100', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '8', '-200'),
];

$r->rPush('sortme', '3', '1', '10', '2');
$r->mSet(['w_1' => 'd', 'w_2' => 'c', 'w_3' => 'b', 'w_10' => 'a', 'o_1' => 'one', 'o_10' => 'ten']);
$out['sort'] = [
    $r->sort('sortme'), $r->sort('sortme', ['sort' => 'desc', 'limit' => [1, 2]]), $r->sort('sortme', ['alpha' => true]),
    $r->sort('sortme', ['by' => 'w_*', 'get' => ['#', 'o_*']]), $r->sort('sortme', ['store' => 'sorted']), $r->lRange('sorted', 0, -1),
    $r->sort('sortme', ['by' => 'nosort']),
];

$r->set('d', 'dumped');
$r->expire('d', 1000);
$dump = $r->dump('d');
$out['dump'] = [
    $r->restore('d2', 0, $dump), $r->get('d2'), caught(fn () => $r->restore('d2', 0, $dump)), $r->rawCommand('RESTORE', 'd2', '5000', $dump, 'REPLACE'),
    $r->pttl('d2') > 4000, caught(fn () => $r->restore('bad', 0, 'garbage')), $r->getLastError(), $r->dump('nope'),
];
$r->clearLastError();

$at = time() + 500;
$out['expiry'] = [
    $r->set('x', '1'), $r->expireAt('x', $at), $r->rawCommand('EXPIRETIME', 'x') === $at, $r->pExpireAt('x', $at * 1000 + 5),
    $r->rawCommand('PEXPIRETIME', 'x') === $at * 1000 + 5, $r->rawCommand('EXPIRE', 'x', '100', 'GT'), $r->rawCommand('EXPIRE', 'x', '100', 'LT'),
    $r->ttl('x') > 90, $r->ttl('nope'), $r->pttl('nope'), $r->expire('nope', 10), $r->set('gone', '1', ['px' => 1]),
    $r->rawCommand('GETEX', 'x', 'PERSIST'), $r->ttl('x'), $r->rawCommand('GETDEL', 'x'), $r->exists('x'), $r->unlink('nope', 'gone2'),
];

$out['floats'] = [
    $r->incrByFloat('fl', 0.1), $r->incrByFloat('fl', 0.2), $r->get('fl'), $r->incrByFloat('fl', 1e20), $r->get('fl'), $r->set('fl2', '3.0e-5'),
    $r->incrByFloat('fl2', 1), $r->hIncrByFloat('hf', 'x', -0.5), $r->hIncrByFloat('hf', 'x', 1.5e3), $r->hGet('hf', 'x'),
    $r->zAdd('zf', 0.1, 'a'), $r->zIncrBy('zf', 0.2, 'a'), $r->rawCommand('ZSCORE', 'zf', 'a'), $r->zAdd('zf', 1e100, 'big'), $r->rawCommand('ZSCORE', 'zf', 'big'),
    $r->zAdd('zf', -INF, 'low'), $r->rawCommand('ZRANGE', 'zf', '0', '0', 'WITHSCORES'), $r->incrByFloat('fl', INF), $r->getLastError(),
];
$r->clearLastError();

$out['errors'] = [
    $r->set('str', 'x'), $r->lPush('str', 'y'), $r->getLastError(), $r->incr('str'), $r->getLastError(),
    $r->multi()->set('q', '1')->lPush('str', 'z')->incr('q')->exec(), $r->get('q'),
    aborted($r), $r->getLastError(), $r->get('q'),
    $r->rawCommand('NOSUCHCOMMAND', 'a'), $r->getLastError(), $r->hGet('str', 'f'), $r->getLastError(),
];
$r->clearLastError();

$r->setOption(Redis::OPT_NULL_MULTIBULK_AS_NULL, true);
$nulls = [$r->blPop(['empty'], 1), $r->zPopMin('empty'), $r->mGet(['nope'])];
$r->setOption(Redis::OPT_NULL_MULTIBULK_AS_NULL, false);
$r->setOption(Redis::OPT_REPLY_LITERAL, true);
$literal = [$r->set('lit', 'v'), $r->type('lit'), $r->ping(), $r->rename('lit', 'lit2')];
$r->setOption(Redis::OPT_REPLY_LITERAL, false);
$out['options'] = [$nulls, $literal];

// Replies too big for one read: a 5 MB value, 20,000-element collections, a 5,000-command pipeline.
$big = str_repeat(implode('', range('a', 'z')), 200000);
$pipe = $r->pipeline();
for ($i = 0; $i < 5000; $i++) {
    $pipe->incrBy("pipe:" . ($i % 100), $i);
}
$piped = $pipe->exec();
$r->rPush('biglist', ...range(1, 20000));
$r->hMSet('bighash', array_combine(array_map(fn ($i) => "f$i", range(1, 20000)), range(1, 20000)));
$r->zAdd('bigz', ...array_merge(...array_map(fn ($i) => [$i / 7, "m$i"], range(1, 20000))));
$out['bulk'] = [
    $r->set('big', $big), md5($r->get('big')), $r->strlen('big'), $r->getRange('big', 5000000, 5000009), md5(json_encode($piped)),
    md5(json_encode($r->lRange('biglist', 0, -1))), count($r->hGetAll('bighash')), md5(json_encode($r->zRange('bigz', 0, -1, true))),
    md5(json_encode($r->mGet(array_map(fn ($i) => "pipe:$i", range(0, 99))))),
];

$r->client('setname', 'php-app');
$clients = $r->client('list');
$me = array_values(array_filter($clients, fn ($c) => ($c['name'] ?? '') === 'php-app'))[0] ?? [];
$keyspace = $r->info('keyspace');
$out['admin'] = [
    $r->client('getname'), array_intersect_key($me, array_flip(['db', 'flags', 'cmd', 'name'])), isset($keyspace['db0']), is_array($r->time()),
    $r->randomKey() !== false, $r->object('encoding', 'sortme'), $r->object('refcount', 'sortme'), $r->rawCommand('MEMORY', 'USAGE', 'nope'),
    $r->select(1), $r->set('in1', 'x'), $r->dbSize(), $r->move('in1', 0), $r->select(0), $r->get('in1'), $r->swapdb(0, 1), $r->dbSize(),
    $r->swapdb(0, 1), $r->rawCommand('COPY', 'in1', 'in1copy'), $r->get('in1copy'), $r->rawCommand('LOLWUT', 'VERSION', '5') !== false,
];
report($out);

/** A transaction with a command the server refuses while queueing: EXEC is refused too (EXECABORT). */
function aborted(Redis $r): mixed
{
    $r->multi();
    $r->incr('q');
    $r->rawCommand('SET', 'only-one-arg');
    return caught(fn () => $r->exec());
}
