"""An independent reader and writer of the safetensors format, written from the
published description with the Python standard library only (struct, json):

    8 bytes: N, unsigned little-endian 64-bit header length
    N bytes: UTF-8 JSON object; each key a tensor name -> {"dtype", "shape", "data_offsets": [begin, end]},
             plus an optional "__metadata__" object of string -> string
    rest:    the byte buffer; offsets are relative to its start, tensors cover it
             exactly (no holes, no overlap)

  python3 safetensors_reader.py read FILE      prints {"metadata": ..., "tensors": {name: {"dtype", "shape", "values"}}}
  python3 safetensors_reader.py write FILE     reads that same JSON on stdin (F32 only) and writes FILE
"""
import json
import struct
import sys

SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise SystemExit("file shorter than 8 bytes")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise SystemExit("header length %d runs past the file" % n)
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        raise SystemExit("header is not an object")
    metadata = header.pop("__metadata__", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise SystemExit("__metadata__ must map strings to strings")
    buffer = data[8 + n :]
    spans = []
    out = {}
    for name, info in header.items():
        dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        count = 1
        for d in shape:
            count *= d
        if end - begin != count * SIZES[dtype]:
            raise SystemExit("%s: offsets %d..%d do not match shape %s of %s" % (name, begin, end, shape, dtype))
        spans.append((begin, end, name))
        if dtype != "F32":
            raise SystemExit("%s: this check decodes F32 only" % name)
        values = list(struct.unpack("<%df" % count, buffer[begin:end]))
        out[name] = {"dtype": dtype, "shape": shape, "values": values}
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            raise SystemExit("%s starts at %d, expected %d (hole or overlap)" % (name, begin, position))
        position = end
    if position != len(buffer):
        raise SystemExit("tensors cover %d bytes of a %d-byte buffer" % (position, len(buffer)))
    if (8 + n) % 8 != 0:
        raise SystemExit("the buffer does not start on an 8-byte boundary")
    return {"metadata": metadata, "tensors": out}


def write(path, spec):
    header = {}
    if spec.get("metadata"):
        header["__metadata__"] = spec["metadata"]
    body = b""
    for name, info in spec["tensors"].items():
        raw = struct.pack("<%df" % len(info["values"]), *info["values"])
        header[name] = {"dtype": "F32", "shape": info["shape"], "data_offsets": [len(body), len(body) + len(raw)]}
        body += raw
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + body)


if __name__ == "__main__":
    command, path = sys.argv[1], sys.argv[2]
    if command == "read":
        print(json.dumps(read(path)))
    else:
        write(path, json.load(sys.stdin))
