// Scripts for malformed input, noreply and operator commands, replayed against real memcached.
// Each leaves the server's settings as it found them, so scripts stay independent.

export const ADMIN_SCRIPTS: Record<string, string[]> = {
  noreply: [
    'delete k 10 noreply\r\n',
    'delete noreply\r\n',
    'delete k 0 0 noreply\r\n',
    'touch k abc noreply\r\nincr k abc noreply\r\nset k 0 abc 1 noreply\r\ncas k 0 0 1 abc noreply\r\n',
    'verbosity abc noreply\r\nflush_all abc noreply\r\ncache_memlimit abc noreply\r\ncache_memlimit 0 noreply\r\n',
    'gat abc k noreply\r\nverbosity noreply\r\nstats noreply\r\nversion noreply\r\nfoo noreply\r\n',
    `delete ${'k'.repeat(251)} noreply\r\nincr ${'k'.repeat(251)} 1 noreply\r\n`,
    'slabs automove x noreply\r\nslabs automove 9 noreply\r\nlru x noreply\r\nlru_crawler sleep x noreply\r\n',
  ],
  http: [
    'GET / HTTP/1.0\r\n',
    'version\r\nPUT /x HTTP/1.1\r\nversion\r\n',
    'DELETE HTTP/1.1\r\n',
    'POST /index.html HTTP/1.1\r\nHost: x\r\n\r\n',
    'gET / HTTP/1.1\r\nmx / HTTP/1.1\r\nG HTTP/1.1\r\nfoo HTTP/1.1 x\r\n',
    'a b c d e f g h i j k l m n o p q r s t u v HTTP/1.1\r\n',
    'A b c d e f g h i j k l m n o p q r s t u v HTTP/1.1\r\n',
    'A b c d e f g h i j k l m n o p q r s t u v w HTTP/1.1\r\n',
    'stats HTTP/1.1\r\nget HTTP/1.1\r\n',
  ],
  slabs: [
    'slabs automove invalid\r\nslabs automove 3\r\nslabs automove 2\r\nslabs automove 1 2\r\nslabs automove 1\r\n',
    'slabs automove ratio\r\nslabs automove ratio x\r\nslabs automove ratio 0.5\r\nslabs automove ratio 0.8\r\n',
    'slabs reassign a b\r\nslabs reassign 1 1\r\nslabs reassign 200 1\r\nslabs reassign -1 2\r\nslabs reassign 1 2 3\r\n',
    'slabs reassign 0 1\r\nslabs reassign 1 0\r\nslabs reassign 1 64\r\nslabs reassign 1 39\r\nslabs reassign 1 40\r\n',
    'slabs foo\r\nslabs\r\nslabs automove\r\n',
  ],
  crawler: [
    'lru_crawler crawl 99\r\nlru_crawler crawl abc\r\nlru_crawler crawl 0\r\nlru_crawler crawl 64\r\nlru_crawler crawl 1,abc\r\n',
    'lru_crawler crawl ,\r\nlru_crawler crawl hash\r\nlru_crawler crawl 1 noreply\r\n',
    'lru_crawler metadump 99\r\n',
    'lru_crawler metadump abc\r\n',
    'lru_crawler metadump all noreply\r\nlru_crawler mgdump all\r\nlru_crawler\r\nlru_crawler foo\r\n',
    'lru_crawler sleep 2000000\r\nlru_crawler tocrawl -1\r\nlru_crawler sleep -1\r\nlru_crawler tocrawl 5 noreply\r\n',
    'lru_crawler sleep 50\r\nlru_crawler tocrawl 7\r\nstats settings\r\nlru_crawler sleep 100\r\nlru_crawler tocrawl 0\r\n',
    'lru_crawler enable\r\n',
  ],
  tuning: [
    'cache_memlimit 7\r\ncache_memlimit 1000000001\r\ncache_memlimit -1\r\ncache_memlimit abc\r\ncache_memlimit\r\ncache_memlimit 64\r\n',
    'verbosity -1\r\nverbosity 99999999999\r\nstats settings\r\nverbosity 0\r\n',
    'lru tune 50 50 0.1 2.0\r\nlru tune 10 25 0 2\r\nlru tune a b c d\r\nlru tune 1 2 3\r\nlru mode x\r\nlru temp_ttl x\r\nlru\r\nlru x\r\n',
    'lru tune 10 25 0.1 2.0\r\nlru temp_ttl 10\r\nlru mode flat\r\nstats settings\r\nlru temp_ttl -1\r\nlru mode segmented\r\nlru tune 20 40 0.2 2\r\nstats settings\r\n',
    'shutdown\r\nshutdown graceful\r\nshutdown x y\r\n',
    'bget nope\r\nmult k 1\r\nwatch x\r\nwatch deletions\r\n',
  ],
  stats: [
    'stats cachedump 1\r\nstats cachedump a b\r\nstats cachedump 64 0\r\nstats cachedump 63 0\r\n',
    'stats detail\r\nstats detail x\r\nstats detail on x\r\nstats settings\r\nstats detail off\r\n',
    'stats sizes\r\nstats sizes_enable\r\nstats sizes\r\nstats sizes_disable\r\nstats sizes\r\n',
    'stats items x\r\nstats slabs 1\r\nstats reset x\r\nstats nope\r\n',
  ],
  detail: [
    'stats detail on\r\nset foo:1 0 0 1\r\nx\r\nset bar:2 0 0 1\r\nx\r\nget foo:1 baz:3 nokey :x a:b:c\r\ndelete bar:2\r\n' +
      'delete q:1\r\nmg foo:1 v\r\nms m:1 1\r\nx\r\nincr foo:1 1\r\ntouch foo:1 1000\r\ngat 1000 foo:1\r\nadd foo:1 0 0 1\r\nx\r\n' +
      'cas p:1 0 0 1 1\r\nx\r\nstats detail dump\r\nstats detail off\r\nget foo:1\r\nstats detail dump\r\n' +
      'stats reset\r\nstats detail dump\r\n',
    'stats detail on\r\n' + Array.from({ length: 40 }, (_, i) => `get p${i}:x\r\n`).join('') + 'stats detail dump\r\nstats detail off\r\nstats reset\r\n',
  ],
  dumps: [
    'set md:a 0 0 1\r\nx\r\nset md%b 5 1000 3\r\nabc\r\nget md:a\r\nms bWRiaW4= 2 b T100\r\nhi\r\nset mdbig 0 0 300\r\n' + 'v'.repeat(300) + '\r\n' +
      'set exp 0 -1 1\r\nx\r\n',
    'lru_crawler metadump all\r\n',
    'lru_crawler metadump hash\r\n',
    'lru_crawler metadump 1\r\n',
    'lru_crawler metadump 1,3\r\n',
    'lru_crawler metadump 2\r\n',
    'version\r\nlru_crawler metadump all\r\n',
    // Which items cachedump lists (only the class's hot LRU segment) depends on memcached's
    // background LRU thread, so only an empty class is compared.
    'stats cachedump 3 0\r\nstats cachedump 9 1\r\n',
    'stats sizes_enable\r\nset sz1 0 0 1\r\nx\r\nset sz2 0 0 100\r\n' + 'y'.repeat(100) + '\r\nstats sizes\r\ndelete sz1\r\ndelete md:a\r\n' +
      'stats sizes\r\nstats sizes_disable\r\nstats sizes\r\n',
  ],
};
