"""Byte compatibility of our codec with real protobuf (Python's `protobuf` package on the
`.proto` that schemac exports): random messages covering every field kind, encoded on one
side and decoded on the other, both ways."""
import random
import subprocess

from conftest import read_records, write_records
from random_messages import is_repeated, make

COUNT = 3000


def run(tool, *args):
    result = subprocess.run([str(tool), *map(str, args)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def map_order_is_canonical(message):
    """True when every map in the message (at any depth) has one order all implementations
    agree on. Protobuf leaves map order unspecified, and even "deterministic" output differs:
    C++ and we sort keys ascending (strings bytewise, a prefix before its extensions), while
    Python's upb writes integer keys descending and a string before its own prefix. So: at
    most one entry for integer and bool keys, and no string key that is a prefix of another."""
    from google.protobuf.descriptor import FieldDescriptor as FD

    for field, value in message.ListFields():
        if field.type != FD.TYPE_MESSAGE:
            continue
        entry = field.message_type
        if entry.GetOptions().map_entry:
            keys = list(value.keys())
            if entry.fields_by_name["key"].type != FD.TYPE_STRING:
                if len(keys) > 1:
                    return False
            elif any(a != b and b.encode().startswith(a.encode()) for a in keys for b in keys):
                return False
            if entry.fields_by_name["value"].type == FD.TYPE_MESSAGE:
                if not all(map_order_is_canonical(v) for v in value.values()):
                    return False
        elif is_repeated(field):
            if not all(map_order_is_canonical(v) for v in value):
                return False
        elif not map_order_is_canonical(value):
            return False
    return True


def test_python_to_swift_and_back(tmp_path, everything_pb2, codec_interop):
    """Python encodes; Swift decodes and re-encodes; the values are always equal, and the bytes
    are identical wherever protobuf's encoding is canonical (field order, packed repeats; see
    `map_order_is_canonical` for maps)."""
    rng = random.Random(20261124)
    # Half with maps of any size, half with one-entry maps so that their bytes compare too.
    messages = [make(rng, everything_pb2.Everything, map_entries=5 if i % 2 else 1) for i in range(COUNT)]
    originals = [m.SerializeToString(deterministic=True) for m in messages]
    write_records(tmp_path / "python.bin", originals)
    run(codec_interop, "reencode", tmp_path / "python.bin", tmp_path / "swift.bin")
    returned = read_records(tmp_path / "swift.bin")
    assert len(returned) == COUNT
    compared = 0
    for index, (message, original, swift_bytes) in enumerate(zip(messages, originals, returned)):
        decoded = everything_pb2.Everything.FromString(swift_bytes)
        assert decoded == message, f"record {index}: values differ"
        if map_order_is_canonical(message):
            assert swift_bytes == original, f"record {index}: bytes differ"
            compared += 1
    assert compared >= COUNT // 2, f"only {compared} records had a canonical encoding"


def test_swift_to_python_and_back(tmp_path, everything_pb2, codec_interop):
    """Swift encodes; Python decodes (every message must parse) and writes canonical bytes,
    which must be Swift's bytes exactly where the encoding is canonical; Swift decodes Python's bytes to its original values."""
    seed = 7
    run(codec_interop, "generate", COUNT, seed, tmp_path / "swift.bin")
    swift_records = read_records(tmp_path / "swift.bin")
    assert len(swift_records) == COUNT
    python_records = []
    compared = 0
    for index, swift_bytes in enumerate(swift_records):
        message = everything_pb2.Everything.FromString(swift_bytes)
        python_bytes = message.SerializeToString(deterministic=True)
        if map_order_is_canonical(message):
            assert python_bytes == swift_bytes, f"record {index}: bytes differ"
            compared += 1
        python_records.append(python_bytes)
    assert compared >= COUNT // 2, f"only {compared} records had a canonical encoding"
    write_records(tmp_path / "python.bin", python_records)
    assert f"verified {COUNT} records" in run(codec_interop, "verify", COUNT, seed, tmp_path / "python.bin")


def test_unknown_fields_survive_a_schema_that_lacks_them(tmp_path, everything_pb2, codec_interop):
    """Swift decodes full messages as `Sparse` (a few of the fields), re-encodes, and Python
    reads back the original values: nothing Sparse does not know is lost."""
    rng = random.Random(99)
    messages = [make(rng, everything_pb2.Everything) for _ in range(COUNT)]
    write_records(tmp_path / "full.bin", [m.SerializeToString() for m in messages])
    run(codec_interop, "reencode-sparse", tmp_path / "full.bin", tmp_path / "sparse.bin")
    for index, (message, swift_bytes) in enumerate(zip(messages, read_records(tmp_path / "sparse.bin"))):
        assert everything_pb2.Everything.FromString(swift_bytes) == message, f"record {index}"


def test_unpacked_repeated_fields_decode(tmp_path, everything_pb2, codec_interop):
    """A writer that does not pack (proto2 habits, old clients) must still be understood:
    Python's Everything re-encoded with every repeated scalar as separate fields."""
    from google.protobuf.internal import encoder  # noqa: F401  (only to prove the API exists)

    rng = random.Random(5)
    messages = [make(rng, everything_pb2.Everything) for _ in range(300)]
    unpacked = [unpack(m) for m in messages]
    write_records(tmp_path / "unpacked.bin", unpacked)
    run(codec_interop, "reencode", tmp_path / "unpacked.bin", tmp_path / "swift.bin")
    for index, (message, swift_bytes) in enumerate(zip(messages, read_records(tmp_path / "swift.bin"))):
        assert everything_pb2.Everything.FromString(swift_bytes) == message, f"record {index}"


def unpack(message):
    """Re-encodes packed repeated scalars of a message's top level as one field per element."""
    from google.protobuf.descriptor import FieldDescriptor as FD

    out = bytearray()
    copy = type(message)()
    copy.CopyFrom(message)
    for field in message.DESCRIPTOR.fields:
        if not is_repeated(field) or field.type in (FD.TYPE_MESSAGE, FD.TYPE_STRING, FD.TYPE_BYTES):
            continue
        values = list(getattr(message, field.name))
        copy.ClearField(field.name)
        for value in values:
            single = type(message)()
            getattr(single, field.name).append(value)
            packed = single.SerializeToString()
            out += unpacked_bytes(field, packed)
    return copy.SerializeToString() + bytes(out)


def unpacked_bytes(field, packed):
    """Turns `tag(len) len payload-of-one-element` into `tag(wiretype) payload`."""
    from google.protobuf.descriptor import FieldDescriptor as FD

    # Skip the packed tag and its length prefix.
    i = 0
    while packed[i] & 0x80:
        i += 1
    i += 1
    while packed[i] & 0x80:
        i += 1
    i += 1
    payload = packed[i:]
    wire = {FD.TYPE_FIXED32: 5, FD.TYPE_SFIXED32: 5, FD.TYPE_FLOAT: 5,
            FD.TYPE_FIXED64: 1, FD.TYPE_SFIXED64: 1, FD.TYPE_DOUBLE: 1}.get(field.type, 0)
    return varint(field.number << 3 | wire) + payload


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def test_json_mapping_both_ways(tmp_path, everything_pb2, codec_interop):
    """protobuf's JSON mapping: Python's JSON read by us, ours read by Python; values equal."""
    from google.protobuf import json_format

    rng = random.Random(11)
    messages = [make(rng, everything_pb2.Everything) for _ in range(1000)]
    write_records(tmp_path / "py.json", [json_format.MessageToJson(m).encode() for m in messages])
    run(codec_interop, "from-json", tmp_path / "py.json", tmp_path / "from.bin")
    for index, (message, data) in enumerate(zip(messages, read_records(tmp_path / "from.bin"))):
        assert everything_pb2.Everything.FromString(data) == message, f"record {index}: our reading of Python's JSON differs"

    write_records(tmp_path / "bin", [m.SerializeToString() for m in messages])
    run(codec_interop, "to-json", tmp_path / "bin", tmp_path / "ours.json")
    for index, (message, data) in enumerate(zip(messages, read_records(tmp_path / "ours.json"))):
        parsed = json_format.Parse(data.decode(), everything_pb2.Everything())
        assert parsed == message, f"record {index}: Python's reading of our JSON differs: {data[:200]!r}"
