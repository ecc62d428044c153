# Runs Redis unit files (tests/unit/*.tcl under the current directory) against one running server,
# in the suite's external mode. Usage in README.md.

set ::runner_dir [file dirname [file normalize [info script]]]
foreach f {redis test server util} {
    source [file join $::runner_dir support $f.tcl]
}

set ::host 127.0.0.1
set ::port 6379
set ::units {}
set ::tags {}
set ::denytags {}
set ::allowtags {}
set ::only_tests {}
set ::skip_tests {}
set ::num_tests 0
set ::num_passed 0
set ::num_failed 0
set ::failed_tests {}
set ::cur_test ""
set ::curfile ""
set ::verbose 0
set ::quiet 0

# Globals unit files read; fixed by external mode or left at the suite's defaults.
set ::external 1
set ::singledb 0
set ::ignoreencoding 0
set ::large_memory 0
set ::accurate 0
set ::durable 1
set ::tls 0
set ::cluster_mode 0
set ::valgrind 0
# Upstream's --no-latency (skip latency-value checks on slow machines); the checks run here.
set ::no_latency 0
set ::force_failure 0
set ::log_req_res 0
set ::force_resp3 0
# Upstream's --ignore-digest (skip DEBUG DIGEST comparisons); the digests are compared here.
set ::ignoredigest 0
set ::all_tests {}
set ::debug_defrag 0
set ::dump_logs 0
set ::loop 0
set ::tmproot /tmp/redis-tcl/tmp
# Ports a test may move a server to (find_available_port), away from the fixed blocks other tests use;
# test_server_port is one known to be taken (upstream's test server: here the server under test).
set ::baseport [expr {30000 + ([pid] % 2000) * 10}]
set ::portcount 100
# The server's log file, for [srv 0 stdout] (verify_log_message and tests reading the log).
set ::server_log /dev/null

proc usage {} {
    puts "tclsh test_helper.tcl --host H --port P --single unit/NAME ... \[--tags \"-needs:debug tag\"\]"
    puts "  \[--only PATTERN\] \[--skiptest PATTERN\] \[--ignore-encoding\] \[--singledb\] \[--cluster-mode\] \[--accurate\] \[--verbose\]"
    exit 1
}

for {set i 0} {$i < [llength $argv]} {incr i} {
    set opt [lindex $argv $i]
    set arg [lindex $argv [expr {$i + 1}]]
    switch -exact -- $opt {
        --host { set ::host $arg; incr i }
        --port { set ::port $arg; incr i }
        --single { lappend ::units $arg; incr i }
        --only { lappend ::only_tests $arg; incr i }
        --skiptest { lappend ::skip_tests $arg; incr i }
        --tags {
            foreach t $arg {
                if {[string index $t 0] eq "-"} {
                    lappend ::denytags [string range $t 1 end]
                } else {
                    lappend ::allowtags $t
                }
            }
            incr i
        }
        --ignore-encoding { set ::ignoreencoding 1 }
        --singledb { set ::singledb 1 }
        --cluster-mode { set ::cluster_mode 1; set ::singledb 1 }
        --accurate { set ::accurate 1 }
        --large-memory { set ::large_memory 1 }
        --verbose { set ::verbose 1 }
        --server-log { set ::server_log $arg; incr i }
        default { usage }
    }
}
if {[llength $::units] == 0} usage
set ::test_server_port [lindex [fconfigure [socket -server {apply {{c a p} {close $c}}} -myaddr 127.0.0.1 0] -sockname] 2]
file mkdir $::tmproot

foreach unit $::units {
    set ::curfile "tests/$unit.tcl"
    puts "=== $::curfile against $::host:$::port"
    if {[catch {source $::curfile} error opts]} {
        incr ::num_failed
        lappend ::failed_tests "(file aborted) $::curfile: $error"
        puts "\[err\]: file aborted: $error"
        if {$::verbose} { puts [dict get $opts -errorinfo] }
    }
}

puts "SUMMARY passed=$::num_passed failed=$::num_failed"
foreach t $::failed_tests {
    puts "FAILED: $t"
}
exit [expr {$::num_failed > 0}]
