<?php
// php-memcached's Memcached class over every node of a cluster with libketama's consistent hashing, with the
// binary protocol when BINARY=1: each operation's return value and result code go into the report, which the
// test compares with the same script's against memcached.
declare(strict_types=1);
require __DIR__ . '/target.php';

$binary = getenv('BINARY') === '1';
$m = memcached_client($binary);
// append and prepend refuse to run with compression on (the client's rule): it is on only where it is tested.
$m->setOption(Memcached::OPT_COMPRESSION, false);
$m->flush();
$out = [];

/** @return array{0: string[], 1: string[]} the slab classes and the stat names (class numbers taken out) of one stats group */
function shape(array $stats): array
{
    $classes = $names = [];
    foreach ($stats as $node) {
        foreach (array_keys($node) as $key) {
            if (preg_match('/^(?:items:)?(\d+):(.*)$/', (string) $key, $m)) {
                $classes[$m[1]] = true;
                $key = $m[2];
            }
            $names[$key] = true;
        }
    }
    ksort($classes);
    ksort($names);
    return [array_keys($classes), array_keys($names)];
}

/** A call's return value with the result code the client was left with. */
function res(Memcached $m, mixed $value): array
{
    return [$value, $m->getResultCode()];
}

$out['store'] = [
    res($m, $m->set('k', 'v')), res($m, $m->get('k')), res($m, $m->add('k', 'w')), res($m, $m->add('new', 'n', 100)),
    res($m, $m->replace('k', 'r')), res($m, $m->replace('missing', 'x')), res($m, $m->get('k')),
    res($m, $m->append('k', '-end')), res($m, $m->prepend('k', 'start-')), res($m, $m->append('missing', 'x')), res($m, $m->get('k')),
    res($m, $m->set('arr', ['a' => 1, 'b' => [2.5, true]])), res($m, $m->get('arr')), res($m, $m->set('int', 42)), res($m, $m->get('int')),
    res($m, $m->set('float', 1.25)), res($m, $m->get('float')), res($m, $m->set('bool', false)), res($m, $m->get('bool')),
    res($m, $m->delete('k')), res($m, $m->delete('k')), res($m, $m->get('missing')),
];

$m->set('c', 'old');
$first = $m->get('c', null, Memcached::GET_EXTENDED);
$out['cas'] = [
    res($m, $m->cas($first['cas'], 'c', 'new')), res($m, $m->cas($first['cas'], 'c', 'again')), res($m, $m->get('c')),
    res($m, $m->cas(12345, 'missing', 'x')), is_int($first['cas']) && $first['cas'] > 0,
];

$out['counters'] = [
    res($m, $m->set('n', '5')), res($m, $m->increment('n', 3)), res($m, $m->decrement('n', 10)), res($m, $m->increment('n')),
    res($m, $m->increment('missing')), res($m, $m->decrement('missing')), res($m, $m->set('text', 'abc')), res($m, $m->increment('text')),
    res($m, $m->set('big', '18446744073709551615')), res($m, $m->increment('big')), res($m, $m->get('big')),
];
if ($binary) {
    // The initial value exists only in the binary protocol (the client refuses it on text).
    $out['initial'] = [
        res($m, $m->increment('fresh', 2, 10, 100)), res($m, $m->increment('fresh', 2, 10, 100)), res($m, $m->decrement('fresh2', 1, 7)),
        res($m, $m->decrement('fresh2', 9, 7)), res($m, $m->get('fresh')),
    ];
}

$out['touch'] = [res($m, $m->set('t', 'x', 5)), res($m, $m->touch('t', 300)), res($m, $m->touch('nope', 10))];

$many = [];
for ($i = 0; $i < 60; $i++) {
    $many["multi:$i"] = "value $i";
}
$keys = array_keys($many);
$out['multi'] = [
    res($m, $m->setMulti($many, 300)), res($m, $m->getMulti(array_merge(['multi:none'], $keys), Memcached::GET_PRESERVE_ORDER)),
    res($m, $m->getMulti(['multi:1', 'nope', 'multi:2'])), res($m, $m->deleteMulti(['multi:1', 'nope', 'multi:3'])),
    res($m, $m->getMulti(['multi:1', 'multi:2', 'multi:3'])),
];
$spread = [];
foreach ($keys as $k) {
    $server = $m->getServerByKey($k);
    $spread["{$server['host']}:{$server['port']}"] = true;
}
$out['spread'] = count($spread);

$out['expiry'] = [
    res($m, $m->set('e', 'x', 1)), res($m, $m->set('abs', 'x', time() + 300)), res($m, $m->get('abs')),
    res($m, $m->set('past', 'x', -1)), res($m, $m->get('past')),
];
for ($deadline = microtime(true) + 10; $m->get('e') !== false && microtime(true) < $deadline; usleep(50000));
$out['expired'] = [res($m, $m->get('e')), res($m, $m->get('t'))];

$text = str_repeat('a compressible sentence. ', 4000);
$noise = random_bytes(700000);
$m->setOption(Memcached::OPT_COMPRESSION, true);
$out['compression'] = [res($m, $m->set('z', $text)), $m->get('z') === $text, res($m, $m->set('noise', $noise)), $m->get('noise') === $noise];
$m->setOption(Memcached::OPT_COMPRESSION_TYPE, Memcached::COMPRESSION_ZLIB);
$out['zlib'] = [res($m, $m->set('zz', $text)), $m->get('zz') === $text];
$m->setOption(Memcached::OPT_COMPRESSION_TYPE, Memcached::COMPRESSION_FASTLZ);
$plain = memcached_client($binary);
$plain->setOption(Memcached::OPT_COMPRESSION, false);
$out['compressed read by another client'] = $plain->get('z') === $text;

$value = ['id' => 7, 'tags' => ['a', 'b'], 'price' => 9.5, 'nested' => ['deep' => [true, null]]];
$serializers = ['php' => Memcached::SERIALIZER_PHP, 'igbinary' => Memcached::SERIALIZER_IGBINARY, 'msgpack' => Memcached::SERIALIZER_MSGPACK, 'json' => Memcached::SERIALIZER_JSON_ARRAY];
foreach ($serializers as $name => $serializer) {
    $m->setOption(Memcached::OPT_SERIALIZER, $serializer);
    $out["serializer $name"] = [res($m, $m->set("ser:$name", $value)), $m->get("ser:$name") == $value, res($m, $m->setMulti(["serm:$name" => $value, "serm2:$name" => 5]))];
}
$m->setOption(Memcached::OPT_SERIALIZER, Memcached::SERIALIZER_PHP);

// Items past 1 MB: memcached's default item size limit is 1 MB, less the item's header and key.
$m->setOption(Memcached::OPT_COMPRESSION, false);
$out['large'] = [
    res($m, $m->set('l1', str_repeat('x', 1048000))), strlen((string) $m->get('l1')), res($m, $m->set('l2', random_bytes(1048576))),
    res($m, $m->get('l2')), res($m, $m->set('l3', random_bytes(2 * 1048576))),
];
$m->setOption(Memcached::OPT_COMPRESSION, true);
$out['large compressed'] = [res($m, $m->set('l4', str_repeat('y', 3 * 1048576))), strlen((string) $m->get('l4'))];

$stats = $m->getStats();
$versions = $m->getVersion();
// curr_items also counts what the earlier tests left on the nodes, flushed but not reclaimed yet: memcached's LRU
// maintainer unlinks those when they reach an LRU's tail, at its own times. What is compared is the live items
// (the same in both runs) and that curr_items counts at least those.
$stored = array_merge(['new', 'arr', 'int', 'float', 'bool', 'c', 'n', 'text', 'big', 't', 'abs', 'z', 'noise', 'zz', 'l1', 'l4', 'fresh', 'fresh2'], $keys);
foreach (array_keys($serializers) as $name) {
    array_push($stored, "ser:$name", "serm:$name", "serm2:$name");
}
$live = count($m->getMulti($stored) ?: []);
$items = array_sum(array_column($stats, 'curr_items'));
$out['stats'] = [count($stats), $live, $items >= $live ? true : $items, array_sum(array_column($stats, 'cmd_get')) > 0, array_keys($stats) == array_keys($versions)];
// Which keys each stats group has and which slab classes it lists over the cluster (the nodes differ between the
// two runs: ketama places keys by address, so counts per node are not compared).
$out['stats groups'] = array_map(fn ($group) => shape($m->getStats($group)), ['' => null, 'items' => 'items', 'slabs' => 'slabs', 'settings' => 'settings', 'sizes' => 'sizes']);
$m->getDelayed(['multi:5', 'multi:6', 'multi:none']);
$fetched = array_map(fn ($e) => [$e['key'], $e['value']], $m->fetchAll());
sort($fetched);
$out['delayed'] = [$fetched, $m->getResultCode()];
$out['version'] = array_values(array_unique($versions));
$out['flush'] = [res($m, $m->flush()), res($m, $m->get('abs')), res($m, $m->getMulti($keys))];
report($out);
