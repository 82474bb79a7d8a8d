"""Encoding and decoding of protocol values (PROTOCOL.md, section 5).

Python side of the mapping:

    JS value              protocol                     Python
    undefined             {"$undefined": true}         UNDEFINED
    NaN, +-Infinity, -0   {"$number": "NaN"}           float
    Buffer                {"$bytes": "BASE64"}         bytes
    Server / Socket       {"$handle": "h1"}            Handle (see shim.py)
    function (argument)   {"$callback": "label"}       Callback (see shim.py)
    Error                 {"$error": {...}}            NetError
    other object          {"$opaque": "Type"}          Opaque
"""
import base64
import math


class _Undefined:
    """JavaScript's `undefined`, distinct from `None` (JSON null)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "undefined"

    def __bool__(self):
        return False


UNDEFINED = _Undefined()

ERROR_FIELDS = ("code", "errno", "syscall", "address", "port")


class NetError:
    """An error object as the implementation reported it.

    `name` and `message` are always present; the optional fields are
    attributes that read as UNDEFINED when the error does not have them, so a
    test can tell "no port" from "port 0".
    """

    def __init__(self, fields):
        self.fields = dict(fields)
        self.name = fields.get("name")
        self.message = fields.get("message")

    def __getattr__(self, key):
        if key in ERROR_FIELDS:
            return self.fields.get(key, UNDEFINED)
        raise AttributeError(key)

    def has(self, key):
        return key in self.fields

    def __eq__(self, other):
        return isinstance(other, NetError) and other.fields == self.fields

    def __repr__(self):
        return "NetError(%r)" % (self.fields,)


class Opaque:
    """An object the shim could not represent; only its type name is known."""

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return "Opaque(%s)" % self.type_name


_SPECIAL_NUMBERS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}


class DecodeError(ValueError):
    pass


def encode(value):
    """Python value -> protocol JSON value (for request arguments)."""
    if value is UNDEFINED:
        return {"$undefined": True}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return {"$number": "NaN"}
        if math.isinf(value):
            return {"$number": "Infinity" if value > 0 else "-Infinity"}
        if value == 0 and math.copysign(1.0, value) < 0:
            return {"$number": "-0"}
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    encoder = getattr(value, "__protocol__", None)
    if encoder is not None:
        return encoder()
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str) or key.startswith("$"):
                raise TypeError("object keys must be strings not starting with '$': %r" % (key,))
        return {k: encode(v) for k, v in value.items()}
    raise TypeError("cannot encode %r for the shim protocol" % (value,))


def decode(value, make_handle):
    """Protocol JSON value -> Python value. `make_handle(id)` maps handle ids."""
    if isinstance(value, list):
        return [decode(v, make_handle) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, inner), = value.items()
        if key.startswith("$"):
            return _decode_tagged(key, inner, make_handle)
    return {k: decode(v, make_handle) for k, v in value.items()}


def _decode_tagged(key, inner, make_handle):
    if key == "$undefined":
        return UNDEFINED
    if key == "$number":
        if inner not in _SPECIAL_NUMBERS:
            raise DecodeError("unknown $number %r" % (inner,))
        return _SPECIAL_NUMBERS[inner]
    if key == "$bytes":
        try:
            return base64.b64decode(inner, validate=True)
        except (ValueError, TypeError) as exc:
            raise DecodeError("bad base64 in $bytes: %s" % exc) from None
    if key == "$handle":
        if not isinstance(inner, str):
            raise DecodeError("$handle must be a string, got %r" % (inner,))
        return make_handle(inner)
    if key == "$error":
        if not isinstance(inner, dict) or "message" not in inner:
            raise DecodeError("$error must be an object with a message, got %r" % (inner,))
        return NetError({k: decode(v, make_handle) for k, v in inner.items()})
    if key == "$opaque":
        return Opaque(inner)
    raise DecodeError("unknown tag %s" % key)
