# start_server and the per-server helpers (r, srv, s, clients), external mode only: every
# start_server block runs against the one server given by --host/--port.

set ::servers {}

proc start_server {options {code undefined}} {
    set overrides {}
    set tags {}
    foreach {option value} $options {
        switch -exact -- $option {
            overrides { set overrides $value }
            tags { set tags [string map {\" ""} $value] }
            config - config_lines - args - omit - keep_persistence {}
            default { error "Unknown option $option" }
        }
    }
    set saved_tags $::tags
    set ::tags [concat $::tags $tags]
    if {![tags_acceptable $::tags err]} {
        if {$::verbose} { puts "\[ignore\]: start_server block ($err)" }
        set ::tags $saved_tags
        return
    }
    if {$code eq "undefined"} {
        set ::tags $saved_tags
        error "start_server without a code block needs a real server, not an external one"
    }

    set client [redis $::host $::port 0 $::tls]
    if {!$::singledb} { $client select 9 }
    lappend ::servers [dict create host $::host port $::port client $client config [dict create port $::port]]
    $client flushall
    catch {$client function flush}

    # Overrides are config the block expects; external mode restores them afterwards.
    set restore {}
    foreach {param val} $overrides {
        if {[catch {lindex [$client config get $param] 1} old]} continue
        if {[catch {$client config set $param $val} e]} {
            if {$::verbose} { puts "override $param $val refused: $e" }
            continue
        }
        lappend restore $param $old
    }
    # A server started with appendonly yes has its AOF on disk before the first test; turning it on
    # with CONFIG SET starts a rewrite, and redis-server exits on DEBUG LOADAOF until that is done.
    if {[dict exists $overrides appendonly]} {
        waitForBgrewriteaof $client
        while {[status $client aof_rewrite_scheduled] eq 1} { after 100 }
    }

    set raise {}
    if {[catch {uplevel 1 $code} error opts] && $::cur_test ne ""} {
        # A block started inside a test (unit/networking) fails that test, as upstream's does.
        set raise [list $error $opts]
    } elseif {[dict get $opts -code] != 0} {
        # Durable: an error outside any test fails the rest of the block, not the run.
        incr ::num_failed
        lappend ::failed_tests "(block error) in $::curfile: $error"
        puts "\[err\]: block error in $::curfile"
        puts "  $error"
        if {$::verbose} { puts [dict get $opts -errorinfo] }
    }

    set srv [lindex $::servers end]
    set ::servers [lrange $::servers 0 end-1]
    set client [dict get $srv client]
    catch {$client reconnect}
    if {!$::singledb} { catch {$client select 9} }
    foreach {param val} $restore {
        catch {$client config set $param $val}
    }
    catch {$client close}
    set ::tags $saved_tags
    if {$raise ne {}} { return -options [lindex $raise 1] [lindex $raise 0] }
}

# Solo units run in line: there is nothing in parallel to keep them from.
proc run_solo {name code} {
    uplevel 1 $code
}

proc srv {args} {
    set level 0
    if {[string is integer -strict [lindex $args 0]]} {
        set level [lindex $args 0]
        set args [lrange $args 1 end]
    }
    set property [lindex $args 0]
    set srv [lindex $::servers end+$level]
    if {[dict exists $srv $property]} { return [dict get $srv $property] }
    # An external server's pid is what it reports; its log is the file given with --server-log.
    switch -- $property {
        pid { return [status [dict get $srv client] process_id] }
        stdout { return $::server_log }
    }
    return {}
}

proc r {args} {
    set level 0
    if {[string is integer -strict [lindex $args 0]]} {
        set level [lindex $args 0]
        set args [lrange $args 1 end]
    }
    [srv $level client] {*}$args
}

proc reconnect {args} {
    set level [expr {[llength $args] ? [lindex $args 0] : 0}]
    set idx [expr {[llength $::servers] - 1 + $level}]
    set srv [lindex $::servers $idx]
    catch {[dict get $srv client] close}
    set client [redis [dict get $srv host] [dict get $srv port] 0 $::tls]
    if {!$::singledb} { $client select 9 }
    dict set srv client $client
    lset ::servers $idx $srv
}

proc redis_client_at {level defer args} {
    set srv [lindex $::servers end+$level]
    set client [redis [dict get $srv host] [dict get $srv port] $defer $::tls]
    if {!$::singledb} {
        $client select 9
        if {$defer} { $client read }
    }
    return $client
}

proc redis_deferring_client {args} {
    set level [expr {[llength $args] ? [lindex $args 0] : 0}]
    redis_client_at $level 1
}

proc redis_client {args} {
    set level [expr {[llength $args] ? [lindex $args 0] : 0}]
    redis_client_at $level 0
}

# One INFO field of the current (or given) server.
proc s {args} {
    set level 0
    if {[string is integer -strict [lindex $args 0]]} {
        set level [lindex $args 0]
        set args [lrange $args 1 end]
    }
    status [srv $level client] [lindex $args 0]
}

proc status {r property} {
    set info [$r info]
    if {[regexp "\r\n$property:(.*?)\r\n" $info _ value]} {
        return $value
    }
    return {}
}
