"""Random protobuf messages built from a descriptor, covering every field kind with a bias
toward edge values. Works for any message, so the generator needs no update when the
fixture schema grows."""
import random
import struct

from google.protobuf import descriptor

FD = descriptor.FieldDescriptor

INT_EDGES = {
    FD.TYPE_INT32: (-(2**31), 2**31 - 1),
    FD.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FD.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FD.TYPE_INT64: (-(2**63), 2**63 - 1),
    FD.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FD.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FD.TYPE_UINT32: (0, 2**32 - 1),
    FD.TYPE_FIXED32: (0, 2**32 - 1),
    FD.TYPE_UINT64: (0, 2**64 - 1),
    FD.TYPE_FIXED64: (0, 2**64 - 1),
}

ALPHABET = ["a", "b", "Z", "0", " ", "é", "ß", "中", "😀", "\x00", "\n", "\x7f", "\x80", "\uffff", "\U0010ffff"]


def is_repeated(field):
    """`label` is gone from newer protobuf releases; `is_repeated` is not in older ones."""
    if hasattr(field, "is_repeated"):
        return field.is_repeated
    return field.label == FD.LABEL_REPEATED


def _int(rng, lo, hi):
    choice = rng.randrange(6)
    if choice == 0:
        return rng.choice([lo, hi, 0, max(lo, -1), 1])
    if choice in (1, 2):
        return max(lo, min(hi, rng.randint(-300, 300)))
    if choice == 3:
        return max(lo, min(hi, rng.randint(-(2**31), 2**32)))
    return rng.randint(lo, hi)


def _float(rng, single):
    choice = rng.randrange(5)
    if choice == 0:
        return rng.choice([0.0, -0.0, float("inf"), float("-inf"), 1.5])
    if choice == 1:
        return float(rng.randint(-1000, 1000))
    bits = rng.getrandbits(32 if single else 64)
    value = struct.unpack("<f" if single else "<d", bits.to_bytes(4 if single else 8, "little"))[0]
    return 2.5 if value != value else value  # NaN never equals itself; keep it out


def scalar(rng, field):
    t = field.type
    if t in INT_EDGES:
        return _int(rng, *INT_EDGES[t])
    if t == FD.TYPE_BOOL:
        return rng.random() < 0.5
    if t == FD.TYPE_FLOAT:
        return _float(rng, True)
    if t == FD.TYPE_DOUBLE:
        return _float(rng, False)
    if t == FD.TYPE_STRING:
        n = rng.randint(0, 200) if rng.randrange(3) == 0 else rng.randint(0, 8)
        return "".join(rng.choice(ALPHABET) for _ in range(n))
    if t == FD.TYPE_BYTES:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 40)))
    if t == FD.TYPE_ENUM:
        if rng.randrange(5) == 0:
            return rng.randint(-5, 100)  # open enums keep numbers the schema does not name
        return rng.choice(field.enum_type.values).number
    raise ValueError(f"not a scalar: {field.full_name}")


def fill(rng, message, depth=0, map_entries=5):
    """Sets a random subset of the message's fields, recursing into messages up to depth 3."""
    oneofs_done = set()
    for field in message.DESCRIPTOR.fields:
        if field.containing_oneof is not None and not field.containing_oneof.name.startswith("_"):
            if field.containing_oneof.name in oneofs_done or rng.random() < 0.6:
                continue
            oneofs_done.add(field.containing_oneof.name)
        elif rng.random() < 0.5:
            continue
        is_message = field.type == FD.TYPE_MESSAGE
        if is_message and field.message_type.GetOptions().map_entry:
            key_field, value_field = field.message_type.fields
            target = getattr(message, field.name)
            for _ in range(rng.randint(0, map_entries)):
                key = scalar(rng, key_field)
                if value_field.type == FD.TYPE_MESSAGE:
                    fill(rng, target[key], depth + 1, map_entries)
                else:
                    target[key] = scalar(rng, value_field)
        elif is_repeated(field):
            target = getattr(message, field.name)
            for _ in range(rng.randint(0, 6)):
                if is_message:
                    fill(rng, target.add(), depth + 1, map_entries)
                else:
                    target.append(scalar(rng, field))
        elif is_message:
            if depth < 3 and rng.random() < 0.5:
                fill(rng, getattr(message, field.name), depth + 1, map_entries)
                getattr(message, field.name).SetInParent()
        else:
            setattr(message, field.name, scalar(rng, field))
    return message


def make(rng, message_class, map_entries=5):
    """A random message; `map_entries` caps the entries per map (see the interop tests for
    why the order of several map entries is not comparable byte for byte)."""
    return fill(rng, message_class(), map_entries=map_entries)
