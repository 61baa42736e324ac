"""The ``heihachi.v1`` gRPC API as Python modules, generated from ``proto/`` (``make proto``).

>>> from heihachi_index.rpc import types_pb2, search_service_pb2, search_service_pb2_grpc

Modules are imported lazily, so :mod:`heihachi_index.rpc.codegen` runs even while the generated
tree is missing or stale.
"""
from __future__ import annotations

import importlib
from types import ModuleType

_MODULES = ("analysis_service_pb2", "analysis_service_pb2_grpc", "index_service_pb2", "index_service_pb2_grpc",
            "search_service_pb2", "search_service_pb2_grpc", "types_pb2")
__all__ = list(_MODULES)


def __getattr__(name: str) -> ModuleType:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.heihachi.v1.{name}")
    globals()[name] = module
    return module


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULES))
