# SPDX-License-Identifier: Apache-2.0
# Stand-ins for the Vivado Tcl commands the deployment scripts (BUILD/deploy/<board>/*.tcl) use,
# for running them under a plain tclsh in tests/integration/test_deploy_tcl.py. Each records
# its call (command and arguments, tab-separated, one line) to $env(B2H_TCL_LOG) and returns a
# plausible handle; the few that create files in Vivado (ipx::package_project, make_wrapper,
# launch_runs impl_1) create stand-in files where Vivado writes them: the IP repository, and
# under $env(B2H_STANDIN_OUT) or the project folder of the last create_project. Any other command
# fails, so a misspelt or unexpected command is caught.

namespace eval ipx {}
set ::b2h_log [open $env(B2H_TCL_LOG) w]
set ::b2h_out [file normalize $env(B2H_STANDIN_OUT)]
file mkdir $::b2h_out

proc ::b2h_record {name argv} {
    set fields [list $name]
    foreach a $argv {
        lappend fields [string map [list "\n" {\n} "\t" {\t}] $a]
    }
    puts $::b2h_log [join $fields "\t"]
    flush $::b2h_log
}

proc ::b2h_opt {argv name {default ""}} {
    set i [lsearch -exact $argv $name]
    if {$i < 0} { return $default }
    return [lindex $argv [expr {$i + 1}]]
}

proc ::b2h_touch {path} {
    file mkdir [file dirname $path]
    close [open $path w]
    return $path
}

set ::b2h_project ""
proc create_project {args} {
    ::b2h_record create_project $args
    set ::b2h_project [list [lindex $args end-3] [lindex $args end-2]]
    return [lindex $args end-3]
}

# commands whose result is not used (or an empty string is what Vivado returns)
foreach cmd {
    add_files set_property update_compile_order update_ip_catalog close_project
    ipx::infer_bus_interfaces ipx::associate_bus_interfaces ipx::create_xgui_files
    ipx::update_checksums ipx::check_integrity ipx::save_core
    create_bd_design apply_bd_automation connect_bd_intf_net connect_bd_net assign_bd_address
    validate_bd_design save_bd_design wait_on_run write_hw_platform
} {
    proc $cmd {args} "::b2h_record $cmd \$args; return {}"
}

proc current_fileset {args} { ::b2h_record current_fileset $args; return sources_1 }
proc current_project {args} { ::b2h_record current_project $args; return project_1 }
proc ipx::current_core {args} { ::b2h_record ipx::current_core $args; return core_1 }
proc ipx::package_project {args} {
    ::b2h_record ipx::package_project $args
    file mkdir [::b2h_opt $args -root_dir]
    ::b2h_touch [file join [::b2h_opt $args -root_dir] component.xml]
    return core_1
}
proc ipx::get_bus_interfaces {args} {
    ::b2h_record ipx::get_bus_interfaces $args
    return "busif:[lindex $args 0]"
}
proc ipx::add_bus_parameter {args} {
    ::b2h_record ipx::add_bus_parameter $args
    return "busparam:[lindex $args 0]"
}
proc ipx::get_bus_parameters {args} {
    ::b2h_record ipx::get_bus_parameters $args
    return "busparam:[lindex $args 0]"
}
proc create_bd_cell {args} { ::b2h_record create_bd_cell $args; return "cell:[lindex $args end]" }
proc get_bd_cells {args} { ::b2h_record get_bd_cells $args; return "cell:[lindex $args end]" }
proc get_bd_pins {args} { ::b2h_record get_bd_pins $args; return "pin:[lindex $args end]" }
proc get_bd_intf_pins {args} {
    ::b2h_record get_bd_intf_pins $args
    return "intf:[lindex $args end]"
}
proc get_files {args} { ::b2h_record get_files $args; return [list "file:[lindex $args end]"] }
proc make_wrapper {args} {
    ::b2h_record make_wrapper $args
    return [::b2h_touch [file join $::b2h_out hdl system_wrapper.v]]
}
proc launch_runs {args} {
    ::b2h_record launch_runs $args
    if {[lindex $args 0] eq "impl_1"} {
        lassign $::b2h_project name dir
        ::b2h_touch [file join $dir $name.runs impl_1 system_wrapper.bit]
        ::b2h_touch [file join $dir $name.gen sources_1 bd system hw_handoff system.hwh]
    }
    return {}
}
# Vitis HLS: the project is created in the current folder; export_design writes the IP to
# <project>/<solution>/impl/ip (its component.xml stands in for it)
set ::b2h_hls_project ""
set ::b2h_hls_solution ""
foreach cmd {set_top set_part create_clock config_rtl csynth_design} {
    proc $cmd {args} "::b2h_record $cmd \$args; return {}"
}
proc open_project {args} {
    ::b2h_record open_project $args
    set ::b2h_hls_project [file join [pwd] [lindex $args end]]
    return {}
}
proc open_solution {args} {
    ::b2h_record open_solution $args
    set rest [lsearch -all -inline -not -glob $args -*]
    set ft [lsearch -exact $args -flow_target]
    if {$ft >= 0} { set rest [lsearch -all -inline -not -exact $rest [lindex $args $ft+1]] }
    set ::b2h_hls_solution [lindex $rest 0]
    return {}
}
proc export_design {args} {
    ::b2h_record export_design $args
    ::b2h_touch [file join $::b2h_hls_project $::b2h_hls_solution impl ip component.xml]
    return {}
}

# the Vivado board files "installed": $env(B2H_BOARD_PARTS) (space-separated), default none
proc get_board_parts {args} {
    ::b2h_record get_board_parts $args
    set have [expr {[info exists ::env(B2H_BOARD_PARTS)] ? $::env(B2H_BOARD_PARTS) : {}}]
    return [lsearch -all -inline -glob $have [lindex $args end]]
}

# record the scripts sourced, then source them
rename source ::b2h_real_source
proc source {args} { ::b2h_record source $args; uplevel 1 [list ::b2h_real_source {*}$args] }

proc unknown {args} { error "not a stand-in Vivado command: [lindex $args 0]" }
