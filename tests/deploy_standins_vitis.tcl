# SPDX-License-Identifier: Apache-2.0
# Stand-ins for the Vitis-specific Vivado commands of the Alveo deployment's package_kernel.tcl,
# sourced after tests/deploy_standins.tcl (which records every call to $env(B2H_TCL_LOG) and
# makes any command it does not define fail): package_xo records its call, refuses an IP folder
# without component.xml (ipx::package_project writes it there), and writes stand-ins of the files
# Vivado writes: the .xo at -xo_path and the kernel description at -output_kernel_xml.

proc package_xo {args} {
    ::b2h_record package_xo $args
    set ip [::b2h_opt $args -ip_directory]
    if {![file exists [file join $ip component.xml]]} {
        error "package_xo: no packaged IP (component.xml) in '$ip'"
    }
    set xo [::b2h_opt $args -xo_path]
    if {$xo eq ""} { error "package_xo: -xo_path is required" }
    ::b2h_touch $xo
    set xml [::b2h_opt $args -output_kernel_xml]
    if {$xml ne ""} { ::b2h_touch $xml }
    return {}
}
