"""Generated from proto/heihachi/v1 by heihachi_index.rpc.codegen; do not edit."""
