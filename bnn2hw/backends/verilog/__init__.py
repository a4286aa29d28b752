"""The Verilog backend: per-layer wrappers, the top module, weight/threshold memories."""
