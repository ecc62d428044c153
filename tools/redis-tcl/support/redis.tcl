# A RESP2/RESP3 client for the unit files: [redis host port ?defer? ?tls? ?readraw?] answers a
# command whose subcommands are Redis commands, plus the handle verbs unit files use:
# read, write, flush, close, channel, deferred, readraw, readingraw, attributes, reconnect, and
# deferring (ours: whether replies are left for the test to read).

namespace eval ::redis {
    variable seq 0
    variable fd
    variable host
    variable port
    variable defer
    variable raw
    # The RESP3 attribute set of the last reply, for [$r attributes]; unset when it had none, so
    # reading it fails as upstream's does ('no such element in array').
    variable attributes
}

proc redis {host port {defer 0} {tls 0} {readraw 0}} {
    if {$tls} { error "tls is not supported by this runner" }
    set id [incr ::redis::seq]
    set ::redis::host($id) $host
    set ::redis::port($id) $port
    set ::redis::defer($id) $defer
    set ::redis::raw($id) $readraw
    ::redis::connect $id
    set handle ::redis::handle$id
    proc $handle {args} "::redis::dispatch $id {*}\$args"
    return $handle
}

proc ::redis::connect {id} {
    set fd [socket $::redis::host($id) $::redis::port($id)]
    fconfigure $fd -translation binary -encoding binary -buffering full -blocking 1
    set ::redis::fd($id) $fd
}

proc ::redis::dispatch {id verb args} {
    set fd $::redis::fd($id)
    switch -exact -- $verb {
        read {
            unset -nocomplain ::redis::attributes($id)
            return [::redis::reply $id]
        }
        write { puts -nonewline $fd [lindex $args 0]; return }
        flush { flush $fd; return }
        channel { return $fd }
        deferred { set ::redis::defer($id) [lindex $args 0]; return }
        deferring { return $::redis::defer($id) }
        readraw { set ::redis::raw($id) [lindex $args 0]; return }
        readingraw { return $::redis::raw($id) }
        attributes { return $::redis::attributes($id) }
        reconnect {
            catch {close $fd}
            ::redis::connect $id
            return
        }
        close {
            catch {close $fd}
            ::redis::forget $id
            # Upstream's close answers its last catch's 0, and tests ending in [$r close] expect it.
            return 0
        }
    }
    set cmd "*[expr {[llength $args] + 1}]\r\n"
    foreach word [linsert $args 0 $verb] {
        append cmd "\$[string length $word]\r\n$word\r\n"
    }
    puts -nonewline $fd $cmd
    flush $fd
    if {$::redis::defer($id)} return
    unset -nocomplain ::redis::attributes($id)
    return [::redis::reply $id]
}

proc ::redis::forget {id} {
    foreach var {fd host port defer raw attributes} {
        unset -nocomplain ::redis::${var}($id)
    }
    rename ::redis::handle$id {}
}

proc ::redis::line {fd} {
    set l [gets $fd]
    if {$l eq "" && [eof $fd]} {
        error "I/O error reading reply"
    }
    # Upstream trims the line whole: a raw read of a bulk holding "\n" (a RESP2 verbatim string) then
    # answers its lines without the newline, where cutting one byte would eat a character.
    return [string trim $l]
}

proc ::redis::bulk {fd len} {
    if {$len < 0} { return {} }
    set payload [read $fd $len]
    read $fd 2
    if {[string length $payload] != $len} { error "I/O error reading reply" }
    return $payload
}

# One reply. In raw mode every call answers one protocol line, as the suite's raw readers expect.
proc ::redis::reply {id} {
    set fd $::redis::fd($id)
    if {$::redis::raw($id)} { return [::redis::line $fd] }
    while 1 {
        set kind [read $fd 1]
        if {$kind eq ""} { error "I/O error reading reply" }
        set l [::redis::line $fd]
        switch -exact -- $kind {
            + { return $l }
            - { return -code error $l }
            : { return $l }
            ( { return $l }
            , { return $l }
            # { return [expr {$l eq "t" ? 1 : 0}] }
            _ { return {} }
            $ { return [::redis::bulk $fd $l] }
            ! { return -code error [::redis::bulk $fd $l] }
            = { return [string range [::redis::bulk $fd $l] 4 end] }
            * - ~ - > { return [::redis::items $id $l] }
            % { return [::redis::items $id [expr {$l < 0 ? -1 : $l * 2}]] }
            | {
                set ::redis::attributes($id) [::redis::items $id [expr {$l * 2}]]
                continue
            }
            default { error "protocol error: unexpected byte '$kind' then '$l'" }
        }
    }
}

proc ::redis::items {id count} {
    if {$count < 0} { return {} }
    set out {}
    for {set i 0} {$i < $count} {incr i} {
        # An error nested in an array is a value there, not a failure of the whole reply.
        if {[catch {::redis::reply $id} v opts]} {
            if {[string match "I/O error*" $v] || [string match "protocol error*" $v]} {
                return -options $opts $v
            }
        }
        lappend out $v
    }
    return $out
}
