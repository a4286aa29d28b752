"""Emitters: IR -> files (HLS C++ project, later Verilog). Emission is not a pass: pure apart
from writing files, and deterministic."""
