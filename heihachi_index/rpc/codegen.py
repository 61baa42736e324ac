"""Regenerate the Python code of the API from ``proto/`` with grpcio-tools: ``make proto``.

Output goes to ``heihachi_index/rpc/heihachi/v1/`` (messages, type stubs and gRPC stubs). protoc
writes imports such as ``from heihachi.v1 import types_pb2``; they are rewritten to the package
path so the generated modules import as ``heihachi_index.rpc.heihachi.v1``. The result depends
only on the .proto files and the grpcio-tools version, so a test can regenerate into a temporary
folder and compare.

    python -m heihachi_index.rpc.codegen [--out DIR] [--descriptor-set FILE]
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from importlib import resources
from pathlib import Path

PACKAGE = "heihachi_index.rpc"
RPC_DIR = Path(__file__).resolve().parent
PROTO_ROOT = RPC_DIR.parents[1] / "proto"
GENERATED_ROOT = "heihachi"  # top folder of the generated tree, under RPC_DIR
_INIT_DOC = '"""Generated from proto/{path} by heihachi_index.rpc.codegen; do not edit."""\n'
_IMPORT = re.compile(r"^(from|import) heihachi\.", re.MULTILINE)


class CodegenError(RuntimeError):
    """protoc rejected the .proto files."""


def proto_files(root: Path = PROTO_ROOT) -> list[Path]:
    """The .proto files under ``root``, relative to it, sorted."""
    return sorted(p.relative_to(root) for p in root.rglob("*.proto"))


def _protoc(args: list[str]) -> None:
    from grpc_tools import protoc  # only needed to regenerate, not at run time

    include = str(resources.files("grpc_tools") / "_proto")
    code = protoc.main(["grpc_tools.protoc", f"-I{include}", *args])
    if code != 0:
        raise CodegenError(f"protoc failed with status {code} (see its messages above)")


def generate(out_dir: str | Path = RPC_DIR, proto_root: str | Path = PROTO_ROOT) -> list[Path]:
    """Generate the Python modules of every .proto file into ``out_dir/heihachi/...``.

    The previous generated tree under ``out_dir`` is replaced. Returns the written files.
    """
    out_dir, proto_root = Path(out_dir), Path(proto_root)
    files = proto_files(proto_root)
    if not files:
        raise CodegenError(f"no .proto files under {proto_root}")
    with tempfile.TemporaryDirectory() as tmp:
        _protoc([f"-I{proto_root}", f"--python_out={tmp}", f"--pyi_out={tmp}", f"--grpc_python_out={tmp}",
                 *map(str, files)])
        tree = Path(tmp) / GENERATED_ROOT
        for path in sorted(tree.rglob("*.py*")):
            path.write_text(_IMPORT.sub(rf"\1 {PACKAGE}.heihachi.", path.read_text()))
        for folder in [tree, *sorted(p for p in tree.rglob("*") if p.is_dir())]:
            rel = folder.relative_to(tmp).as_posix()
            (folder / "__init__.py").write_text(_INIT_DOC.format(path=rel))
        target = out_dir / GENERATED_ROOT
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(tree, target)
    return sorted(p for p in target.rglob("*") if p.is_file())


def descriptor_set(out_file: str | Path, proto_root: str | Path = PROTO_ROOT) -> Path:
    """Write a ``FileDescriptorSet`` of the API with comments (source info) to ``out_file``."""
    proto_root = Path(proto_root)
    _protoc([f"-I{proto_root}", "--include_source_info", f"--descriptor_set_out={out_file}",
             *map(str, proto_files(proto_root))])
    return Path(out_file)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(RPC_DIR), help="output package folder (default: %(default)s)")
    parser.add_argument("--descriptor-set", help="also write a FileDescriptorSet with comments here")
    args = parser.parse_args(argv)
    try:
        written = generate(args.out)
        if args.descriptor_set:
            descriptor_set(args.descriptor_set)
    except CodegenError as exc:
        print(f"codegen: {exc}", file=sys.stderr)
        return 1
    print(f"generated {len(written)} files under {Path(args.out) / GENERATED_ROOT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
