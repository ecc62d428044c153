<?php
// Where php-clients.test.ts points a PHP client: TARGET is JSON {host, port, tls?: {ca}, password?} or, for
// memcached, {nodes: [{host, port}, ...]}.
declare(strict_types=1);

const TARGET_ENV = 'TARGET';

function target(): array
{
    return json_decode(getenv(TARGET_ENV), true, 512, JSON_THROW_ON_ERROR);
}

/** A phpredis client as an application on ElastiCache makes one: tls:// and a stream context, then AUTH. */
function redis_client(): Redis
{
    $t = target();
    $r = new Redis();
    if (isset($t['tls'])) {
        $r->connect('tls://' . $t['host'], $t['port'], 5.0, null, 0, 5.0, ['stream' => ['cafile' => $t['tls']['ca'], 'verify_peer' => true]]);
    } else {
        $r->connect($t['host'], $t['port'], 5.0, null, 0, 5.0);
    }
    if (isset($t['password'])) {
        $r->auth($t['password']);
    }
    return $r;
}

/** The same target as session.save_path for phpredis's session handler. */
function redis_save_path(): string
{
    $t = target();
    $scheme = isset($t['tls']) ? 'tls' : 'tcp';
    $query = isset($t['password']) ? '?auth=' . rawurlencode($t['password']) : '';
    return "$scheme://{$t['host']}:{$t['port']}$query";
}

/** What a call returned, or the message of what it threw (phpredis throws for errors other than ERR, WRONGTYPE, NOSCRIPT...). */
function caught(callable $f): mixed
{
    try {
        return $f();
    } catch (RedisException $e) {
        return ['thrown' => preg_replace('/ to [^ ]+:\d+$/', '', $e->getMessage())];
    }
}

/** One JSON line on stdout: what the test compares. */
function report(array $results): void
{
    echo json_encode($results, JSON_THROW_ON_ERROR | JSON_PRESERVE_ZERO_FRACTION), "\n";
}

/** A Memcached client over every node of the target, with libketama's consistent hashing as ElastiCache's docs suggest. */
function memcached_client(bool $binary): Memcached
{
    $m = new Memcached();
    $m->setOption(Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
    $m->setOption(Memcached::OPT_BINARY_PROTOCOL, $binary);
    $m->addServers(array_map(fn ($n) => [$n['host'], $n['port']], target()['nodes']));
    return $m;
}

/** The nodes as session.save_path for php-memcached's session handler. */
function memcached_save_path(): string
{
    return implode(',', array_map(fn ($n) => "{$n['host']}:{$n['port']}", target()['nodes']));
}
