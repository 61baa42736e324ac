"""Generated from proto/heihachi by heihachi_index.rpc.codegen; do not edit."""
