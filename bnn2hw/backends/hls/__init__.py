"""The HLS C++ backend: project emitter and the C-simulation toolchain."""
