<?php
// phpredis's Redis class as its README shows it, one section per data type and mode; each section's replies go
// into the report, which the test compares with the same script's against redis-server.
declare(strict_types=1);
require __DIR__ . '/target.php';

$out = ['pubsub' => pubsub()];
$r = redis_client();
$r->flushDb();

$out['strings'] = [
    $r->set('s', 'v', ['nx', 'ex' => 100]), $r->set('s', 'w', ['nx']), $r->set('s', 'w', ['xx', 'px' => 50000]), $r->get('s'),
    $r->setEx('e', 100, 'x'), $r->ttl('e') > 90, $r->pSetEx('p', 100000, 'y'), $r->pttl('p') > 90000, $r->setNx('e', 'z'),
    $r->incr('n'), $r->incrBy('n', 10), $r->decrBy('n', 3), $r->incrByFloat('f', 1.5), $r->incrByFloat('f', 1e3),
    $r->append('s', '123'), $r->getRange('s', 1, -2), $r->setRange('s', 5, 'ZZ'), $r->get('s'), $r->strlen('s'),
    $r->mSet(['m1' => 'a', 'm2' => 'b']), $r->mGet(['m1', 'm2', 'missing']), $r->getSet('m1', 'c'), $r->mSetNx(['m1' => 'x', 'm3' => 'y']),
    $r->exists('m1', 'm2', 'missing'), $r->del('m1', 'missing'), $r->type('m2'), $r->expire('m2', 100), $r->persist('m2'), $r->ttl('m2'),
    $r->rename('m2', 'm4'), $r->renameNx('m4', 's'), $r->setBit('bits', 7, true), $r->getBit('bits', 7), $r->bitCount('bits'),
    $r->get('missing'), $r->getLastError(),
];

$out['hashes'] = [
    $r->hSet('h', 'a', '1'), $r->hSet('h', 'a', '2'), $r->hMSet('h', ['b' => 'x', 'c' => 'y']), $r->hGet('h', 'a'),
    $r->hMGet('h', ['a', 'zz']), $r->hIncrBy('h', 'a', 5), $r->hIncrByFloat('h', 'fl', 0.25), $r->hSetNx('h', 'a', 'q'),
    $r->hExists('h', 'b'), $r->hLen('h'), $r->hStrLen('h', 'b'), $r->hDel('h', 'b', 'nope'), sorted($r->hKeys('h')),
    sorted($r->hVals('h')), ksorted($r->hGetAll('h')), $r->hGetAll('missing'), $r->hGet('h', 'nope'),
];

$out['lists'] = [
    $r->rPush('l', 'a', 'b', 'c'), $r->lPush('l', 'z'), $r->lRange('l', 0, -1), $r->lIndex('l', 1), $r->lSet('l', 0, 'Z'),
    $r->lInsert('l', Redis::AFTER, 'a', 'a2'), $r->lInsert('l', Redis::BEFORE, 'nope', 'x'), $r->lLen('l'), $r->lRem('l', 'a2', 0),
    $r->lPop('l'), $r->rPop('l'), $r->rPopLPush('l', 'l2'), $r->lRange('l2', 0, -1), $r->lTrim('l', 0, 0), $r->lRange('l', 0, -1),
    $r->brPop(['empty', 'l'], 1), $r->blPop(['empty'], 1), $r->rawCommand('LMOVE', 'l2', 'l3', 'LEFT', 'RIGHT'), $r->rawCommand('LPOS', 'l3', 'b'),
    $r->lPushx('nolist', 'x'), $r->rPushx('l3', 'x'), $r->lRange('l3', 0, -1),
];

$out['sets'] = [
    $r->sAdd('a', 'x', 'y', 'z'), $r->sAdd('b', 'y', 'z', 'w'), $r->sAdd('a', 'x'), sorted($r->sMembers('a')), $r->sIsMember('a', 'x'),
    $r->sIsMember('a', 'q'), $r->sCard('a'), sorted($r->sInter('a', 'b')), sorted($r->sUnion('a', 'b')), sorted($r->sDiff('a', 'b')),
    $r->sInterStore('ab', 'a', 'b'), sorted($r->sMembers('ab')), $r->sUnionStore('u', 'a', 'b'), $r->sDiffStore('d', 'a', 'b'),
    $r->sMove('a', 'b', 'x'), $r->sRem('b', 'x', 'nope'), sorted($r->sRandMember('u', 10)), count($r->sRandMember('u', -7)),
    $r->sPop('d'), $r->sMisMember('u', 'w', 'q'), $r->sMembers('missing'),
];

$out['zsets'] = [
    $r->zAdd('z', 1, 'a', 2, 'b', 3, 'c'), $r->zAdd('z', ['NX'], 10, 'a', 4, 'd'), $r->zAdd('z', ['XX', 'CH'], 5, 'a', 9, 'new'),
    $r->zAdd('z', ['INCR'], 2.5, 'b'), $r->zAdd('z', ['GT', 'CH'], 1, 'c', 7, 'd'), $r->zAdd('z', ['LT'], 0.5, 'c'),
    $r->zRange('z', 0, -1, true), $r->zRevRange('z', 0, 1, true), $r->zRangeByScore('z', '(0.5', '+inf', ['withscores' => true, 'limit' => [1, 2]]),
    $r->zRevRangeByScore('z', '5', '-inf', ['limit' => [0, 2]]), $r->zRank('z', 'b'), $r->zRevRank('z', 'b'), $r->zScore('z', 'b'),
    $r->zScore('z', 'nope'), $r->zIncrBy('z', -1.25, 'a'), $r->zCount('z', '-inf', '(5'), $r->zCard('z'), $r->zRem('z', 'a', 'nope'),
    $r->zAdd('lex', 0, 'a', 0, 'b', 0, 'c', 0, 'd'), $r->zRangeByLex('lex', '[b', '+'), $r->zRevRangeByLex('lex', '(c', '-', 0, 1),
    $r->zLexCount('lex', '-', '(c'), $r->zAdd('w', 1, 'b', 10, 'x'),
    $r->zUnionStore('un', ['z', 'w'], [2, 1], 'MAX'), $r->zRange('un', 0, -1, true), $r->zInterStore('in', ['z', 'w'], null, 'SUM'),
    $r->zRange('in', 0, -1, true), $r->zPopMin('z'), $r->zPopMax('z', 2), $r->bzPopMin(['emptyz', 'un'], 1), $r->bzPopMax(['emptyz'], 1),
    $r->zRemRangeByScore('un', '-inf', '2'), $r->zRemRangeByRank('lex', 0, 1), $r->zRange('lex', 0, -1), $r->rawCommand('ZMSCORE', 'w', 'b', 'q'),
    $r->zRange('missing', 0, -1),
];

$out['multi'] = [
    $r->multi()->set('t', '1')->incr('t')->get('t')->lPush('t', 'x')->exec(),
    $r->multi()->incr('t2')->discard(), $r->get('t2'),
    $r->multi(Redis::PIPELINE)->set('pp', 'a')->append('pp', 'b')->get('pp')->hSet('ph', 'f', 'v')->hGetAll('ph')->exec(),
    $r->pipeline()->incr('pc')->incr('pc')->ping()->exec(),
];

$other = redis_client();
$r->set('watched', '1');
$r->watch('watched');
$other->set('watched', '2');
$lost = $r->multi()->set('watched', '3')->exec();
$r->watch('watched');
$won = $r->multi()->incr('watched')->exec();
$r->watch('watched');
$r->unwatch();
$other->set('watched', '10');
$unwatched = $r->multi()->incr('watched')->exec();
$out['watch'] = [$lost, $won, $unwatched];

$lua = "redis.call('set', KEYS[1], ARGV[1]); return {redis.call('get', KEYS[1]), tonumber(ARGV[2]) * 2, 3.99, false, {'ok'}}";
$sha = $r->script('load', $lua);
$out['scripts'] = [
    $r->eval($lua, ['k1', 'v1', '21'], 1), $sha === sha1($lua), $r->evalSha($sha, ['k2', 'v2', '4'], 1), $r->script('exists', $sha, sha1('nope')),
    $r->eval("return redis.status_reply('FINE')"), caught(fn () => $r->eval("return redis.error_reply('MY failure')")), $r->getLastError(), $r->clearLastError(),
    $r->eval('return nosuchfunction()'), preg_replace('/f_[0-9a-f]{40}/', 'f_SHA', (string) $r->getLastError()),
    $r->eval("return redis.pcall('incr', KEYS[1])", ['k1'], 1), $r->script('flush'), $r->evalSha($sha, ['k2', 'v', '1'], 1), $r->getLastError(),
    $r->rawCommand('EVAL_RO', "return redis.call('get', KEYS[1])", 1, 'k1'),
];
$r->clearLastError();

$r->setOption(Redis::OPT_SCAN, Redis::SCAN_RETRY);
$r->mSet(array_combine(array_map(fn ($i) => "scan:$i", range(1, 300)), range(1, 300)));
$scanned = [];
$it = null;
while ($keys = $r->scan($it, 'scan:*', 17)) {
    array_push($scanned, ...$keys);
}
$r->hMSet('bigh', array_combine(array_map(fn ($i) => "f$i", range(1, 200)), range(1, 200)));
$fields = [];
$it = null;
while ($page = $r->hScan('bigh', $it, 'f1*', 10)) {
    $fields += $page;
}
$members = [];
$it = null;
$r->sAdd('bigs', ...array_map(fn ($i) => "m$i", range(1, 150)));
while ($page = $r->sScan('bigs', $it, '*', 20)) {
    array_push($members, ...$page);
}
$zm = [];
$it = null;
$r->zAdd('smallz', 1, 'a', 2, 'b');
while ($page = $r->zScan('smallz', $it)) {
    $zm += $page;
}
ksort($fields);
$out['scan'] = [count($scanned), count(array_unique($scanned)), count($fields), array_sum($fields), count(array_unique($members)), $zm];

$value = ['id' => 7, 'tags' => ['a', 'b'], 'price' => 9.5, 'nested' => ['deep' => [true, null]]];
$serialized = [];
foreach (['php' => Redis::SERIALIZER_PHP, 'igbinary' => Redis::SERIALIZER_IGBINARY, 'json' => Redis::SERIALIZER_JSON] as $name => $mode) {
    $r->setOption(Redis::OPT_SERIALIZER, $mode);
    $r->set("ser:$name", $value);
    $r->hSet('serh', $name, $value);
    $r->rPush("serl:$name", $value, 42);
    $r->zAdd("serz:$name", 1, $value);
    $back = [$r->get("ser:$name") == $value, $r->hGet('serh', $name) == $value, $r->lRange("serl:$name", 0, -1), count($r->zRange("serz:$name", 0, -1))];
    $r->setOption(Redis::OPT_SERIALIZER, Redis::SERIALIZER_NONE);
    $serialized[$name] = [$back, md5($r->get("ser:$name"))];
}
$r->setOption(Redis::OPT_SERIALIZER, Redis::SERIALIZER_NONE);
$out['serializers'] = $serialized;

$big = str_repeat('compress me ', 5000);
$compressed = [];
foreach (['lzf' => Redis::COMPRESSION_LZF, 'zstd' => Redis::COMPRESSION_ZSTD, 'lz4' => Redis::COMPRESSION_LZ4] as $name => $mode) {
    $r->setOption(Redis::OPT_COMPRESSION, $mode);
    $r->set("cmp:$name", $big);
    $same = $r->get("cmp:$name") === $big;
    $r->setOption(Redis::OPT_COMPRESSION, Redis::COMPRESSION_NONE);
    $compressed[$name] = [$same, $r->strlen("cmp:$name") < 2000];
}
$out['compression'] = $compressed;

$r->setOption(Redis::OPT_PREFIX, 'app:');
$r->set('k', 'prefixed');
$r->setOption(Redis::OPT_PREFIX, '');
$out['prefix'] = [$r->get('app:k'), $r->dbSize() > 0, $r->ping(), $r->echo('hi'), $r->object('encoding', 'n'), $r->object('encoding', 'bigh')];

$r->close();
report($out);

/**
 * A subscriber in this process and a publisher in a forked one; then a subscription nobody publishes to, ended
 * by the read timeout.
 */
function pubsub(): array
{
    if (pcntl_fork() === 0) {
        $p = redis_client();
        // Nobody hears a publish before the subscription: the first message goes again until someone does.
        while ($p->publish('news.a', 'one') < 1) {
            usleep(10000);
        }
        $p->publish('other', 'ignored');
        $p->publish('news.b', 'stop');
        exit(0);
    }
    $s = redis_client();
    // Longer than any wait for the publisher under load: the loop ends on its 'stop', not on this.
    $s->setOption(Redis::OPT_READ_TIMEOUT, 60);
    $got = [];
    try {
        $s->psubscribe(['news.*'], function ($redis, $pattern, $channel, $message) use (&$got) {
            $got[] = [$pattern, $channel, $message];
            if ($message === 'stop') {
                // phpredis 5 leaves its subscribe loop only when a read fails: it throws 'Connection closed'.
                $redis->close();
            }
        });
    } catch (RedisException $e) {
        $got[] = $e->getMessage();
    }
    pcntl_wait($status);
    $s = redis_client();
    $s->setOption(Redis::OPT_READ_TIMEOUT, 0.3);
    $started = microtime(true);
    try {
        $s->subscribe(['quiet'], fn () => null);
        $timeout = 'no timeout';
    } catch (RedisException $e) {
        $timeout = preg_replace('/connection to .*$/', 'connection', $e->getMessage());
    }
    return [$got, $timeout, microtime(true) - $started < 5];
}

function sorted(array $a): array
{
    sort($a);
    return $a;
}

function ksorted(array $a): array
{
    ksort($a);
    return $a;
}
