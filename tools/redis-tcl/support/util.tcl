# Helpers the unit files call that are neither asserts nor server plumbing. A unit that stops
# with "invalid command name X" needs X here.

proc randomInt {max} {
    expr {int(rand() * $max)}
}

proc randomSignedInt {max} {
    set n [randomInt $max]
    if {rand() > 0.5} { set n -$n }
    return $n
}

# Evaluates one of its arguments, picked at random.
proc randpath args {
    uplevel 1 [lindex $args [randomInt [llength $args]]]
}

proc randstring {min max {type binary}} {
    set len [expr {$min + [randomInt [expr {$max - $min + 1}]]}]
    switch -- $type {
        binary { set lo 0; set hi 255 }
        alpha { set lo 48; set hi 122 }
        compr { set lo 48; set hi 52 }
        simplealpha {
            # Letters only (client names, where ':' or '`' would not do).
            set letters abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ
            set out {}
            for {set i 0} {$i < $len} {incr i} {
                append out [string index $letters [randomInt 52]]
            }
            return $out
        }
        default { error "randstring: unknown type $type" }
    }
    set out {}
    for {set i 0} {$i < $len} {incr i} {
        append out [format %c [expr {$lo + [randomInt [expr {$hi - $lo + 1}]]}]]
    }
    return $out
}

proc randomValue {} {
    randpath {
        randpath {randomInt 2000} {randomInt 2000000000} {randomInt 2000000000000}
    } {
        randpath {randomSignedInt 2000} {randomSignedInt 2000000000} {randomSignedInt 2000000000000}
    } {
        randpath {randstring 0 256 alpha} {randstring 0 256 compr} {randstring 0 256 binary}
    }
}

proc randomKey {} {
    randpath {randomInt 1000} {randstring 1 32 alpha} {randstring 1 32 compr}
}

proc findKeyWithType {r type} {
    for {set j 0} {$j < 20} {incr j} {
        set k [{*}$r randomkey]
        if {$k eq ""} { return "" }
        if {[{*}$r type $k] eq $type} { return $k }
    }
    return ""
}

# Random writes of every type, so a later DEBUG RELOAD/DUMP round trip has something to compare.
proc createComplexDataset {r ops {opt {}}} {
    set useexpire [expr {[lsearch -exact $opt useexpire] >= 0}]
    for {set j 0} {$j < $ops} {incr j} {
        set k [randomKey]
        set k2 [randomKey]
        set f [randomValue]
        set v [randomValue]
        if {$useexpire && rand() < 0.1} {
            catch {{*}$r expire [randomKey] [randomInt 2]}
        }
        set d [expr {rand()}]
        set t [{*}$r type $k]
        catch {
            if {$t eq "none"} {
                randpath {{*}$r set $k $v} {{*}$r lpush $k $v} {{*}$r sadd $k $v} \
                    {{*}$r zadd $k $d $v} {{*}$r hset $k $f $v} {{*}$r del $k}
            } else {
                switch $t {
                    string { {*}$r set $k $v }
                    list { randpath {{*}$r lpush $k $v} {{*}$r rpush $k $v} {{*}$r lrem $k 0 $v} {{*}$r rpop $k} {{*}$r lpop $k} }
                    set { randpath {{*}$r sadd $k $v} {{*}$r srem $k $v} {{*}$r smove $k $k2 $v} }
                    zset { randpath {{*}$r zadd $k $d $v} {{*}$r zrem $k $v} }
                    hash { randpath {{*}$r hset $k $f $v} {{*}$r hdel $k $f} }
                }
            }
        }
    }
}

# Every key with its type and contents, one line per key, sorted: comparable between two points in time.
proc csvdump r {
    set out {}
    foreach k [lsort [{*}$r keys *]] {
        set t [{*}$r type $k]
        set line "\"$k\",\"$t\""
        switch $t {
            string { append line ",\"[{*}$r get $k]\"" }
            list { foreach e [{*}$r lrange $k 0 -1] { append line ",\"$e\"" } }
            set { foreach e [lsort [{*}$r smembers $k]] { append line ",\"$e\"" } }
            zset { foreach e [{*}$r zrange $k 0 -1 withscores] { append line ",\"$e\"" } }
            hash { foreach {f v} [lsort -stride 2 [{*}$r hgetall $k]] { append line ",\"$f\",\"$v\"" } }
        }
        append out $line "\n"
    }
    return $out
}

proc csvstring s {
    return "\"$s\""
}

proc lshuffle {list} {
    set n [llength $list]
    for {set i [expr {$n - 1}]} {$i > 0} {incr i -1} {
        set j [randomInt [expr {$i + 1}]]
        set tmp [lindex $list $i]
        lset list $i [lindex $list $j]
        lset list $j $tmp
    }
    return $list
}

# Orders "score member" pairs as Redis orders a sorted set: by score, then member bytes.
proc zlistAlikeSort {a b} {
    if {[lindex $a 0] > [lindex $b 0]} { return 1 }
    if {[lindex $a 0] < [lindex $b 0]} { return -1 }
    string compare [lindex $a 1] [lindex $b 1]
}

proc lpop {listVar {count 1}} {
    upvar 1 $listVar l
    set head [lrange $l 0 [expr {$count - 1}]]
    set l [lrange $l $count end]
    if {$count == 1} { return [lindex $head 0] }
    return $head
}

proc lremove {listVar value} {
    upvar 1 $listVar l
    set i [lsearch -exact $l $value]
    if {$i >= 0} { set l [lreplace $l $i $i] }
}

# Retries a condition in the caller's scope; runs the else script when it never holds.
proc wait_for_condition {maxtries delay e _else_ elsescript} {
    for {set i 0} {$i < $maxtries} {incr i} {
        set rc [catch {uplevel 1 [list expr $e]} result]
        if {$rc != 0} { return -code $rc $result }
        if {$result} return
        after $delay
    }
    set rc [catch {uplevel 1 $elsescript} result]
    return -code $rc $result
}

proc wait_for_blocked_client {{idx 0}} {
    wait_for_condition 100 10 {[s $idx blocked_clients] != 0} else {
        fail "no client blocked"
    }
}

proc wait_for_blocked_clients_count {count {maxtries 100} {delay 10} {idx 0}} {
    wait_for_condition $maxtries $delay {[s $idx blocked_clients] == $count} else {
        fail "Timeout waiting for blocked clients: [s $idx blocked_clients] instead of $count"
    }
}

proc wait_for_ofs_sync {r1 r2} {
    wait_for_condition 50 100 {[status $r1 master_repl_offset] eq [status $r2 master_repl_offset]} else {
        fail "replica offset did not catch up"
    }
}

proc fail {msg} {
    error "assertion:$msg"
}

proc debug_sleep {seconds} {
    r debug sleep $seconds
}

proc config_set {param value {options {}}} {
    set mayfail [expr {[lsearch -exact $options mayfail] >= 0}]
    if {[catch {r config set $param $value} e]} {
        if {!$mayfail} { error $e }
        if {$::verbose} { puts "config set $param $value refused: $e" }
    }
}

proc config_get_set {param value {options {}}} {
    set old [lindex [r config get $param] 1]
    config_set $param $value $options
    return $old
}

# One field of INFO commandstats for a command, e.g. "calls=1,usec=..".
proc cmdrstat {cmd r} {
    if {[regexp "\r\ncmdstat_$cmd:(.*?)\r\n" [$r info commandstats] _ value]} {
        return $value
    }
}

proc errorrstat {cmd r} {
    if {[regexp "\r\nerrorstat_$cmd:(.*?)\r\n" [$r info errorstats] _ value]} {
        return $value
    }
}

# One field of INFO stats, e.g. total_error_replies.
proc statsrstat {stat r} {
    if {[regexp "\r\n$stat:(.*?)\r\n" [$r info stats] _ value]} {
        return $value
    }
}

proc latencyrstat_percentiles {cmd r} {
    if {[regexp "\r\nlatency_percentiles_usec_$cmd:(.*?)\r\n" [$r info latencystats] _ value]} {
        return $value
    }
}

proc debug_digest {{level 0}} {
    r $level debug digest
}

# One key's digest; a fixed stand-in when DEBUG is denied, so comparisons of two digests still pass.
proc debug_digest_value {key} {
    if {[lsearch $::denytags "needs:debug"] >= 0} { return "dummy-digest-value" }
    r debug digest-value $key
}

proc is_alpine {} {
    return 0
}

proc proc_exists {name} {
    expr {[llength [info procs $name]] > 0}
}

proc formatCommand {args} {
    set cmd "*[llength $args]\r\n"
    foreach a $args {
        append cmd "\$[string length $a]\r\n$a\r\n"
    }
    return $cmd
}

proc string2printable s {
    set out ""
    foreach c [split $s ""] {
        scan $c %c code
        if {$code < 32 || $code > 126} {
            append out [format "\\x%02x" $code]
        } else {
            append out $c
        }
    }
    return "\"$out\""
}

proc roundFloat f {
    format "%.10g" $f
}

# The replication stream, read as a replica would: SYNC on a raw socket, the RDB payload skipped,
# then one propagated command per read. PINGs to replicas are pushed out of the way for the test.
proc attach_to_replication_stream_on_connection {level} {
    r config set repl-ping-replica-period 3600
    set s [socket [srv $level host] [srv $level port]]
    fconfigure $s -translation binary
    puts -nonewline $s "SYNC\r\n"
    flush $s
    # Bare newlines keep the link alive while the server prepares the payload.
    set header ""
    while {$header eq ""} {
        set header [string trimright [gets $s] "\r"]
        if {$header eq "" && [eof $s]} { error "attach_to_replication_stream: connection closed" }
    }
    if {[string index $header 0] ne "\$"} {
        error "attach_to_replication_stream error. Received '$header' as count."
    }
    set left [string range $header 1 end]
    while {$left > 0} {
        set chunk [read $s $left]
        if {$chunk eq "" && [eof $s]} { error "attach_to_replication_stream: payload cut short" }
        incr left -[string length $chunk]
    }
    return $s
}

proc attach_to_replication_stream {} {
    attach_to_replication_stream_on_connection 0
}

# One command as a list (its name lowercased), or "" when none arrives within about a second.
proc read_from_replication_stream {s} {
    fconfigure $s -blocking 0
    set tries 0
    while {[gets $s header] < 0} {
        if {[incr tries] == 10} {
            fconfigure $s -blocking 1
            return ""
        }
        after 100
    }
    fconfigure $s -blocking 1
    set n [string trimright [string range $header 1 end] "\r"]
    set cmd {}
    for {set i 0} {$i < $n} {incr i} {
        set len [string trimright [string range [gets $s] 1 end] "\r"]
        set arg [::redis::bulk $s $len]
        if {$i == 0} { set arg [string tolower $arg] }
        lappend cmd $arg
    }
    return $cmd
}

# Reads as many commands as there are patterns; on any mismatch fails with both lists.
proc assert_replication_stream {s patterns} {
    set got {}
    set bad 0
    foreach pattern $patterns {
        set cmd [read_from_replication_stream $s]
        lappend got $cmd
        if {![string match $pattern $cmd]} { set bad 1 }
    }
    if {$bad} {
        close_replication_stream $s
        assert_failed "replication stream: expected '$patterns' but got '$got'"
    }
}

# Answers nothing: tests that end with it expect an empty result.
proc close_replication_stream {s} {
    close $s
    r config set repl-ping-replica-period 10
    return
}

proc memory_usage {key} {
    r memory usage $key
}

proc K {x y} { set x }

# Polls INFO persistence until the named background job is no longer in progress.
proc wait_for_persistence_idle {r field} {
    while {[status $r $field] eq 1} {
        after 100
    }
}

proc waitForBgsave r { wait_for_persistence_idle $r rdb_bgsave_in_progress }
proc waitForBgrewriteaof r { wait_for_persistence_idle $r aof_rewrite_in_progress }

# Pub/sub helpers: send the (un)subscribe command on a deferring client, then read one
# confirmation per channel. Subscribe confirmations come in the order asked; unsubscribe ones
# (the no-argument form included) in any order. Answers the subscription counts they carried.
proc pubsub_confirmations {client kind channels} {
    set counts {}
    set remaining $channels
    set expected [llength $channels]
    for {set n 0} {$n < $expected} {incr n} {
        set msg [$client read]
        assert_equal $kind [lindex $msg 0]
        set at [lsearch -exact $remaining [lindex $msg 1]]
        if {[string match *unsubscribe $kind]} {
            assert {$at >= 0}
        } else {
            assert {$at == 0}
        }
        set remaining [lreplace $remaining $at $at]
        lappend counts [lindex $msg 2]
    }
    assert {[llength $remaining] == 0}
    return $counts
}

foreach verb {subscribe ssubscribe psubscribe} {
    proc $verb {client channels} "
        \$client $verb {*}\$channels
        pubsub_confirmations \$client $verb \$channels
    "
}
foreach verb {unsubscribe sunsubscribe punsubscribe} {
    proc $verb {client {channels {}}} "
        \$client $verb {*}\$channels
        pubsub_confirmations \$client $verb \$channels
    "
}

# Our nodes free memory through V8's collector, never in a lazyfree thread: once INFO reports no
# pending lazyfree objects (or no such field), there is nothing left to wait for.
proc wait_lazyfree_done {r} {
    wait_for_condition 100 50 {
        [string match *lazyfree_pending_objects:0* [$r info memory]] ||
        ![string match *lazyfree_pending_objects* [$r info memory]]
    } else {
        fail "lazyfree did not finish"
    }
}

# Pearson's chi-square statistic of how often each distinct value occurs in `values`, against all
# of them being equally likely (what the random-member tests compare with a critical value).
proc chi_square_value {values} {
    array set seen {}
    foreach v $values { incr seen($v) }
    set expected [expr {double([llength $values]) / [array size seen]}]
    set sum 0.0
    foreach v [array names seen] {
        set d [expr {$seen($v) - $expected}]
        set sum [expr {$sum + $d * $d / $expected}]
    }
    return $sum
}

# Writes keys prefix0..prefix(num-1) with a `size`-byte value (TTL `expires` seconds when not 0),
# pipelined on a deferring client so a thousand keys cost one round trip.
proc populate {num {prefix key:} {size 3} {idx 0} {prints false} {expires 0}} {
    set rd [redis_deferring_client $idx]
    set value [string repeat x $size]
    for {set j 0} {$j < $num} {incr j} {
        if {$expires > 0} {
            $rd set $prefix$j $value ex $expires
        } else {
            $rd set $prefix$j $value
        }
    }
    for {set j 0} {$j < $num} {incr j} { $rd read }
    $rd close
}

# Cluster blocks need servers this runner does not start.
proc start_cluster {masters replicas options {code undefined}} {
    if {$::verbose} { puts "\[ignore\]: start_cluster block (needs a cluster of servers)" }
}

# A random integer in [min, max).
proc randomRange {min max} {
    expr {int(rand() * ($max - $min)) + $min}
}

# The first child process of the server (a fork saving or rewriting), or "" when it has none: a node
# of ours never forks.
proc get_child_pid {idx} {
    set pid [srv $idx pid]
    if {[catch {exec pgrep -P $pid} children]} { return "" }
    return [lindex [split $children \n] 0]
}

# How many lines of the server log (from line `from`) match the glob `pattern`.
proc count_log_message {idx pattern {from 0}} {
    if {[catch {open [srv $idx stdout]} fd]} { return 0 }
    set n 0
    set line_no 0
    while {[gets $fd line] >= 0} {
        if {[incr line_no] > $from && [string match $pattern $line]} { incr n }
    }
    close $fd
    return $n
}

proc verify_log_message {idx pattern from} {
    if {[count_log_message $idx $pattern $from] == 0} {
        fail "log message '$pattern' not found in [srv $idx stdout] after line $from"
    }
}

proc wait_for_log_messages {idx patterns from maxtries delay} {
    foreach pattern $patterns {
        wait_for_condition $maxtries $delay {[count_log_message $idx $pattern $from] > 0} else {
            fail "log message $pattern not found in [srv $idx stdout]"
        }
    }
}

# A free TCP port from `start` on (external servers: tests that move a server to another port).
proc find_available_port {start count} {
    for {set port $start} {$port < $start + $count} {incr port} {
        if {![catch {socket -server {apply {{c a p} {close $c}}} -myaddr 127.0.0.1 $port} s]} {
            close $s
            return $port
        }
    }
    error "no free port in $start..[expr {$start + $count - 1}]"
}

# Tests writing big arguments in pieces (unit/violations).
proc write_big_bulk {size {prefix ""} {skip_read no}} {
    set str500 [string repeat x 500000000]
    r write "\$$size\r\n$prefix"
    incr size -[string length $prefix]
    while {$size >= 500000000} {
        r write $str500
        incr size -500000000
    }
    if {$size > 0} { r write [string repeat x $size] }
    r write "\r\n"
    r flush
    if {$skip_read eq "no"} { r read }
}
