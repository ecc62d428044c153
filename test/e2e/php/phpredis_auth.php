<?php
// What an application sees of the AUTH token: a command before AUTH, a wrong token, the right one, AUTH with a
// user name, and a client given the token in connect's options. Compared with redis-server run with requirepass.
declare(strict_types=1);
require __DIR__ . '/target.php';

$t = target();
$token = $t['password'];
unset($t['password']);
putenv(TARGET_ENV . '=' . json_encode($t));
$r = redis_client();
$out = [
    caught(fn () => $r->get('k')), $r->getLastError(), caught(fn () => $r->auth('wrong-token-0123456789')), $r->getLastError(),
    caught(fn () => $r->auth(['default', 'wrong-token-0123456789'])), $r->getLastError(), caught(fn () => $r->auth(['nobody', $token])),
    $r->getLastError(), $r->auth($token), $r->set('k', 'v'), $r->auth(['default', $token]), $r->get('k'), $r->rawCommand('ACL', 'WHOAMI'),
];
$r->close();
putenv(TARGET_ENV . '=' . json_encode(['password' => $token] + $t));
$out[] = redis_client()->get('k');
report(['replies' => $out]);
