<?php
// phpredis's RedisCluster seeded with a cluster-mode group's configuration endpoint: it reads the slot map, sends
// each key to its shard, spreads an MGET across slots. It then prints "failover" and waits for a line on stdin
// (the test fails a shard over meanwhile) and goes on with the same object, which follows MOVED to the new primary.
declare(strict_types=1);
require __DIR__ . '/target.php';

$t = target();
$c = new RedisCluster(null, ["{$t['host']}:{$t['port']}"], 5.0, 5.0);
$out = [];
$keys = array_map(fn ($i) => "key:$i", range(0, 39));
$out['primaries'] = count($c->_masters());
foreach ($keys as $i => $k) {
    $c->set($k, (string) $i);
}
$out['spread'] = count(array_filter($c->_masters(), fn ($node) => $c->dbSize($node) > 0));
$out['mget'] = $c->mGet($keys) === array_map('strval', range(0, 39));
$out['mset'] = [$c->mSet(['a{t}' => '1', 'b{t}' => '2', 'x' => '3', 'y' => '4']), $c->mGet(['a{t}', 'x', 'b{t}', 'y'])];
$out['del'] = $c->del('x', 'y', 'nope');
$out['multi'] = $c->multi()->incr('a{t}')->incr('b{t}')->get('a{t}')->exec();
$out['script'] = $c->eval("return redis.call('incrby', KEYS[1], ARGV[1])", ['a{t}', '10'], 1);
// phpredis refuses keys of several slots itself; sent raw, the node's own refusal comes back.
$out['crossslot'] = [$c->rawCommand('a{t}', 'MGET', 'a{t}', 'x'), $c->getLastError()];
$c->clearLastError();
$scanned = [];
foreach ($c->_masters() as $node) {
    $it = null;
    while ($page = $c->scan($it, $node, 'key:*', 50)) {
        array_push($scanned, ...$page);
    }
}
sort($scanned);
$expected = $keys;
sort($expected);
$out['scan'] = $scanned === $expected;
$info = $c->rawCommand($keys[0], 'CLUSTER', 'INFO');
$out['state'] = preg_match('/cluster_state:(\w+)/', $info, $m) ? $m[1] : $info;
$out['hash'] = [$c->hSet('h{t}', 'f', 'v'), $c->hGetAll('h{t}'), $c->zAdd('z', 1, 'a'), $c->zRange('z', 0, -1, true)];

// Reads spread over the replicas (phpredis sends them READONLY first), once each shard's replica has every write.
$out['replicated'] = array_map(fn ($node) => $c->rawCommand($node, 'WAIT', '1', '5000'), $c->_masters());
$ro = new RedisCluster(null, ["{$t['host']}:{$t['port']}"], 5.0, 5.0);
$ro->setOption(RedisCluster::OPT_SLAVE_FAILOVER, RedisCluster::FAILOVER_DISTRIBUTE_SLAVES);
$out['replica reads'] = [$ro->mGet($keys) === array_map('strval', range(0, 39)), $ro->get('a{t}'), $ro->hGetAll('h{t}')];
$readonly = 0;
foreach ($c->_masters() as $node) {
    foreach ($c->rawCommand($node, 'CLUSTER', 'REPLICAS', $c->rawCommand($node, 'CLUSTER', 'MYID')) as $line) {
        [, $address] = explode(' ', $line);
        [$host, $port] = explode(':', explode('@', $address)[0]);
        $replica = new Redis();
        $replica->connect($host, (int) $port);
        parse_str(strtr($replica->info('commandstats')['cmdstat_readonly'] ?? '', ',', '&'), $stat);
        $readonly += (int) ($stat['calls'] ?? 0);
    }
}
$out['replicas asked READONLY'] = $readonly >= 1;

if (getenv('FAILOVER') === '1') {
    echo "failover\n";
    fgets(STDIN);
    // Keys on the failed-over shard now answer MOVED from the node this object still thinks is their primary
    // (or its connection was closed by the reboot): RedisCluster retries on the new map.
    $after = [];
    foreach ($keys as $i => $k) {
        $after[] = $c->incr($k) === $i + 1;
    }
    $out['after failover'] = [count(array_filter($after)), $c->mGet($keys) === array_map(fn ($i) => (string) ($i + 1), range(0, 39)), count($c->_masters())];
}
report($out);
