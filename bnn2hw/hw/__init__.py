"""Hardware lowering shared by the backends: dataflow stages, streams, beat vectors."""
