"""The checked-in generated code is what `make proto` makes from proto/ today."""
from __future__ import annotations

import filecmp
from pathlib import Path

from heihachi_index.rpc import codegen


def _tree(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def test_generated_code_is_not_stale(tmp_path):
    codegen.generate(tmp_path)
    fresh = _tree(tmp_path / codegen.GENERATED_ROOT)
    checked_in = _tree(codegen.RPC_DIR / codegen.GENERATED_ROOT)
    assert sorted(fresh) == sorted(checked_in), "generated files differ: run `make proto`"
    stale = [name for name in fresh if not filecmp.cmp(fresh[name], checked_in[name], shallow=False)]
    assert not stale, f"stale generated code in {stale}: run `make proto`"


def test_generated_package_imports_as_heihachi_index_rpc():
    from heihachi_index.rpc import index_service_pb2, index_service_pb2_grpc, search_service_pb2_grpc, types_pb2

    assert types_pb2.DESCRIPTOR.package == "heihachi.v1"
    assert index_service_pb2.DESCRIPTOR.services_by_name["IndexService"].full_name == "heihachi.v1.IndexService"
    assert hasattr(index_service_pb2_grpc, "IndexServiceStub")
    assert hasattr(search_service_pb2_grpc, "add_SearchServiceServicer_to_server")
