# The test proc, tag filtering and the assert family the unit files call.

proc tags_acceptable {tags err_var} {
    upvar $err_var err
    foreach t $::denytags {
        if {[lsearch -exact $tags $t] >= 0} {
            set err "tag $t denied"
            return 0
        }
    }
    if {[llength $::allowtags] > 0} {
        set any 0
        foreach t $::allowtags {
            if {[lsearch -exact $tags $t] >= 0} { set any 1 }
        }
        if {!$any} {
            set err "no allowed tag"
            return 0
        }
    }
    # This runner only ever drives an external server, which cannot be restarted or replicated.
    if {[lsearch -exact $tags external:skip] >= 0} {
        set err "not for an external server"
        return 0
    }
    if {!$::large_memory && [lsearch -exact $tags large-memory] >= 0} {
        set err "needs --large-memory"
        return 0
    }
    if {$::singledb && [lsearch -exact $tags singledb:skip] >= 0} {
        set err "not for a single-db server"
        return 0
    }
    if {[lsearch -exact $tags cluster:skip] >= 0 && $::cluster_mode} {
        set err "not for cluster mode"
        return 0
    }
    return 1
}

proc tags {tags code} {
    # Quoted multi-word tags arrive as one string; split them into a list.
    set tags [string map {\" ""} $tags]
    set saved $::tags
    set ::tags [concat $::tags $tags]
    if {![tags_acceptable $::tags err]} {
        set ::tags $saved
        return
    }
    set rc [catch {uplevel 1 $code} result opts]
    set ::tags $saved
    return -options $opts $result
}

proc selected_by_name {name} {
    if {[llength $::only_tests] > 0} {
        set hit 0
        foreach p $::only_tests {
            if {[string match $p $name]} { set hit 1 }
        }
        if {!$hit} { return 0 }
    }
    foreach p $::skip_tests {
        if {[string match $p $name]} { return 0 }
    }
    return 1
}

proc report {kind name {detail ""}} {
    switch $kind {
        ok { puts "\[ok\]: $name" }
        err {
            puts "\[err\]: $name"
            puts "  $detail"
        }
        ignore { if {$::verbose} { puts "\[ignore\]: $name ($detail)" } }
    }
    flush stdout
}

proc test {name code {okpattern undefined} {tags {}}} {
    set alltags [concat $::tags $tags]
    if {![tags_acceptable $alltags err]} {
        report ignore $name $err
        return
    }
    if {![selected_by_name $name]} { return }
    incr ::num_tests
    set ::cur_test "$name in $::curfile"
    set started [clock milliseconds]
    set failure ""
    if {[catch {set retval [uplevel 1 $code]} error opts]} {
        if {[string match "assertion:*" $error]} {
            set failure [string range $error 10 end]
        } else {
            # Durable: an unexpected error fails this test alone.
            set failure "exception: $error"
            if {$::verbose} { append failure "\n[dict get $opts -errorinfo]" }
        }
    } elseif {$okpattern ne "undefined" && $okpattern ne $retval && ![string match $okpattern $retval]} {
        set failure "Expected '$okpattern' to equal or match '$retval'"
    }
    set ms [expr {[clock milliseconds] - $started}]
    if {$failure eq ""} {
        incr ::num_passed
        report ok "$name ($ms ms)"
    } else {
        incr ::num_failed
        lappend ::failed_tests "$name in $::curfile"
        report err $name $failure
    }
    # A server that stopped answering would fail every later test for the wrong reason. An error
    # reply (NOPERM of a user without PING) is an answer: the test's connection state stays.
    # A client the test left deferred keeps its replies for the test: a PING would leave one unread.
    set client [srv 0 client]
    if {![catch {$client deferring} deferring] && $deferring} {
    } elseif {[catch {$client ping} pong] && ![regexp {^[A-Z]+ } $pong]} {
        catch {reconnect}
    }
    set ::cur_test ""
}

# The command that called the assert proc calling this, when that was a proc (not the test body).
proc caller_of_assert {} {
    if {[info level] >= 3} { return [info level -2] }
    return "test body"
}

proc assert_failed {message {context ""}} {
    if {$context eq ""} {
        set context [caller_of_assert]
    }
    error "assertion:$message (context: $context)"
}

proc assert {condition} {
    if {![uplevel 1 [list expr $condition]]} {
        set shown [uplevel 1 [list subst -nocommands $condition]]
        assert_failed "Expected $shown" [caller_of_assert]
    }
}

proc assert_equal {value expected {detail ""}} {
    if {$expected ne $value} {
        assert_failed "Expected '$value' to be equal to '$expected' $detail" [caller_of_assert]
    }
}

proc assert_not_equal {value expected {detail ""}} {
    if {$expected eq $value} {
        assert_failed "Expected '$value' to be not equal to '$expected' $detail" [caller_of_assert]
    }
}

proc assert_match {pattern value {detail ""}} {
    if {![string match $pattern $value]} {
        assert_failed "Expected '$value' to match '$pattern' $detail" [caller_of_assert]
    }
}

proc assert_no_match {pattern value {detail ""}} {
    if {[string match $pattern $value]} {
        assert_failed "Expected '$value' to not match '$pattern' $detail" [caller_of_assert]
    }
}

proc assert_lessthan {value bound {detail ""}} {
    if {!($value < $bound)} { assert_failed "Expected '$value' to be less than '$bound' $detail" [caller_of_assert] }
}

proc assert_lessthan_equal {value bound {detail ""}} {
    if {!($value <= $bound)} { assert_failed "Expected '$value' to be less than or equal to '$bound' $detail" [caller_of_assert] }
}

proc assert_morethan {value bound {detail ""}} {
    if {!($value > $bound)} { assert_failed "Expected '$value' to be more than '$bound' $detail" [caller_of_assert] }
}

proc assert_morethan_equal {value bound {detail ""}} {
    if {!($value >= $bound)} { assert_failed "Expected '$value' to be more than or equal to '$bound' $detail" [caller_of_assert] }
}

proc assert_range {value low high {detail ""}} {
    if {!($value <= $high && $value >= $low)} {
        assert_failed "Expected '$value' to be between '$low' and '$high' $detail" [caller_of_assert]
    }
}

proc assert_error {pattern code {detail ""}} {
    if {[catch {uplevel 1 $code} error]} {
        assert_match $pattern $error $detail
    } else {
        assert_failed "Expected an error matching '$pattern' but got '$error' $detail" [caller_of_assert]
    }
}

proc assert_encoding {enc key} {
    if {$::ignoreencoding} return
    set actual [r object encoding $key]
    if {![string match $enc $actual]} {
        assert_failed "Expected encoding '$enc' of $key, got '$actual'" [caller_of_assert]
    }
}

proc assert_type {type key} {
    assert_equal [r type $key] $type
}

proc assert_refcount {ref key} {
    assert_equal [r object refcount $key] $ref
}

proc assert_refcount_morethan {key ref} {
    assert_morethan [r object refcount $key] $ref
}

proc assert_equal_with_tolerance {value expected tolerance {detail ""}} {
    if {abs($value - $expected) > $tolerance} {
        assert_failed "Expected '$value' to be within $tolerance of '$expected' $detail" [caller_of_assert]
    }
}
