"""A buf-style lint of the API, over descriptors compiled with their comments (buf is not on PyPI).

Rules: versioned package matching the file path, PascalCase messages/enums/services/RPCs,
lower_snake_case fields and oneofs, UPPER_SNAKE enum values prefixed by the enum's name with a
``<ENUM>_UNSPECIFIED`` zero value, ``<Rpc>Request``/``<Rpc>Response`` messages used by one RPC
each, services named ``*Service``, and a leading comment on every service, RPC, message, field,
enum and enum value.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath

import pytest
from google.protobuf import descriptor_pb2

from heihachi_index.rpc import codegen

PASCAL = re.compile(r"^[A-Z][a-zA-Z0-9]*$")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
PACKAGE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.v[0-9]+$")

# Field numbers of descriptor.proto, for the source-info paths of comments.
MESSAGE, ENUM, SERVICE = 4, 5, 6
FIELD, NESTED, NESTED_ENUM, ONEOF = 2, 3, 4, 8
ENUM_VALUE, METHOD = 2, 2


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[descriptor_pb2.FileDescriptorProto]:
    out = codegen.descriptor_set(tmp_path_factory.mktemp("desc") / "api.pb")
    fds = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    ours = [f for f in fds.file if f.package.startswith("heihachi")]
    assert ours, "no heihachi .proto files compiled"
    return ours


def _comments(f: descriptor_pb2.FileDescriptorProto) -> dict[tuple[int, ...], str]:
    return {tuple(loc.path): (loc.leading_comments + loc.trailing_comments).strip()
            for loc in f.source_code_info.location}


def _upper_snake(pascal: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", pascal).upper()


def _walk_messages(messages, path: tuple[int, ...]):
    for i, msg in enumerate(messages):
        here = (*path, i)
        if msg.options.map_entry:  # written by protoc for map<,> fields, not by hand
            continue
        yield msg, here
        yield from _walk_messages(msg.nested_type, (*here, NESTED))


def _synthetic_oneofs(msg) -> set[int]:
    """Oneofs that protoc makes for proto3 ``optional`` fields (not written by hand)."""
    return {field.oneof_index for field in msg.field if field.proto3_optional}


def _walk_enums(f: descriptor_pb2.FileDescriptorProto):
    for i, enum in enumerate(f.enum_type):
        yield enum, (ENUM, i)
    for msg, path in _walk_messages(f.message_type, (MESSAGE,)):
        for i, enum in enumerate(msg.enum_type):
            yield enum, (*path, NESTED_ENUM, i)


def test_package_is_versioned_and_matches_the_file_path(files):
    for f in files:
        assert PACKAGE.match(f.package), f"{f.name}: package {f.package!r} is not versioned (like heihachi.v1)"
        assert str(PurePosixPath(f.name).parent) == f.package.replace(".", "/"), \
            f"{f.name}: file is not under {f.package.replace('.', '/')}/"
        assert f.syntax == "proto3", f"{f.name}: use proto3"


def test_names_follow_the_style(files):
    problems = []
    for f in files:
        for msg, _ in _walk_messages(f.message_type, (MESSAGE,)):
            if not PASCAL.match(msg.name):
                problems.append(f"message {msg.name}: not PascalCase")
            for field in msg.field:
                if not SNAKE.match(field.name):
                    problems.append(f"field {msg.name}.{field.name}: not lower_snake_case")
            for i, oneof in enumerate(msg.oneof_decl):
                if i not in _synthetic_oneofs(msg) and not SNAKE.match(oneof.name):
                    problems.append(f"oneof {msg.name}.{oneof.name}: not lower_snake_case")
        for enum, _ in _walk_enums(f):
            if not PASCAL.match(enum.name):
                problems.append(f"enum {enum.name}: not PascalCase")
            prefix = _upper_snake(enum.name) + "_"
            for value in enum.value:
                if not UPPER_SNAKE.match(value.name) or not value.name.startswith(prefix):
                    problems.append(f"enum value {value.name}: not UPPER_SNAKE with prefix {prefix}")
            zero = [v for v in enum.value if v.number == 0]
            if not zero or zero[0].name != f"{prefix}UNSPECIFIED":
                problems.append(f"enum {enum.name}: the zero value must be {prefix}UNSPECIFIED")
        for service in f.service:
            if not PASCAL.match(service.name) or not service.name.endswith("Service"):
                problems.append(f"service {service.name}: not PascalCase ending in Service")
            for method in service.method:
                if not PASCAL.match(method.name):
                    problems.append(f"rpc {service.name}.{method.name}: not PascalCase")
    assert not problems, "\n".join(problems)


def test_rpcs_use_their_own_request_and_response_messages(files):
    problems, seen = [], {}
    for f in files:
        for service in f.service:
            for method in service.method:
                for kind, type_name in (("Request", method.input_type), ("Response", method.output_type)):
                    short = type_name.rsplit(".", 1)[-1]
                    if short != f"{method.name}{kind}":
                        problems.append(f"rpc {service.name}.{method.name}: {kind.lower()} type is {short}, "
                                        f"expected {method.name}{kind}")
                    if type_name in seen:
                        problems.append(f"{short} is used by both {seen[type_name]} and {method.name}")
                    seen[type_name] = method.name
    assert not problems, "\n".join(problems)


def test_everything_has_a_comment(files):
    missing = []
    for f in files:
        comments = _comments(f)

        def need(path: tuple[int, ...], what: str, comments=comments, name=f.name) -> None:
            if not comments.get(path):
                missing.append(f"{name}: {what}")

        for s_i, service in enumerate(f.service):
            need((SERVICE, s_i), f"service {service.name}")
            for m_i, method in enumerate(service.method):
                need((SERVICE, s_i, METHOD, m_i), f"rpc {service.name}.{method.name}")
        for msg, path in _walk_messages(f.message_type, (MESSAGE,)):
            need(path, f"message {msg.name}")
            for i, field in enumerate(msg.field):
                need((*path, FIELD, i), f"field {msg.name}.{field.name}")
            for i, oneof in enumerate(msg.oneof_decl):
                if i not in _synthetic_oneofs(msg):
                    need((*path, ONEOF, i), f"oneof {msg.name}.{oneof.name}")
        for enum, path in _walk_enums(f):
            need(path, f"enum {enum.name}")
            for i, value in enumerate(enum.value):
                need((*path, ENUM_VALUE, i), f"enum value {value.name}")
    assert not missing, "missing comments:\n" + "\n".join(missing)


def test_the_api_has_the_rpcs_whose_library_exists(files):
    rpcs = {f"{s.name}.{m.name}" for f in files for s in f.service for m in s.method}
    assert rpcs == {"IndexService.Ingest", "IndexService.GetTrack", "IndexService.ListTracks",
                    "IndexService.DeleteTrack", "IndexService.Stats", "SearchService.SearchSimilar",
                    "SearchService.SearchAudio", "SearchService.SearchText", "SearchService.AnalyzeText",
                    "AnalysisService.GetEmotions", "AnalysisService.AnalyzeDrums"}
