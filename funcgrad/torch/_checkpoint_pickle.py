"""The pickle inside a PyTorch checkpoint (`<archive>/data.pkl`): read under PyTorch's
weights-only rule, and written so that `torch.load(weights_only=True)` reads it.

Reading: a pickle can name any global and call it, so the unpickler here resolves only the
names in `_ALLOWED` (tensor rebuilders, storage types, dtypes, `OrderedDict`, `set`...), each
bound to funcgrad's own safe function; any other name is refused before anything runs. Item
assignment, appends and attribute setting are allowed only on the containers they build.

Writing: the protocol-2 opcodes for tensors, dicts, lists, tuples and plain values, emitted
directly (pickle's own Pickler would import `torch` to check each global's name).
"""
from __future__ import annotations

import _compat_pickle
import io
import pickle
import struct
from collections import OrderedDict

import numpy as np

from funcgrad.torch import _dtype

# PyTorch's storage classes, by the NumPy dtype of their elements
STORAGE_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64,
                  "HalfStorage": np.float16, "LongStorage": np.int64, "IntStorage": np.int32,
                  "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8,
                  "BoolStorage": np.bool_, "ComplexFloatStorage": np.complex64,
                  "ComplexDoubleStorage": np.complex128}
STORAGE_NAMES = {np.dtype(v): k for k, v in STORAGE_DTYPES.items()}


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be read: what is wrong, and in which file."""


class StorageType:
    """Stands for `torch.FloatStorage` & co. in a checkpoint: the dtype of a storage."""

    __slots__ = ("name", "dtype")

    def __init__(self, name):
        self.name, self.dtype = name, np.dtype(STORAGE_DTYPES[name])


# -- reading ----------------------------------------------------------------------------------

def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    from funcgrad.torch.tensor import Tensor
    data = _strided(storage, storage_offset, size, stride)
    t = Tensor._make(data)
    if requires_grad is True:
        t.requires_grad_(True)
    return t


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _rebuild_tensor_v2(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    from funcgrad.torch.nn.parameter import Parameter
    from funcgrad.torch.tensor import Tensor
    if not isinstance(data, Tensor):
        raise CheckpointError("a Parameter is rebuilt from something that is not a tensor")
    return Parameter(data, requires_grad=bool(requires_grad))


def _rebuild_from_type_v2(func, new_type, args, state):
    if func not in _REBUILDERS or new_type not in (_TENSOR, _PARAMETER) \
            or not isinstance(args, tuple):
        raise CheckpointError("a tensor subclass is rebuilt in a way that is not allowed")
    t = func(*args)
    return _rebuild_parameter(t, t.requires_grad, None) if new_type is _PARAMETER else t


def _strided(storage, offset, size, stride):
    """The elements a tensor of this size and stride sees from `offset` in `storage`, copied."""
    if not isinstance(storage, np.ndarray):
        raise CheckpointError("a tensor is rebuilt from something that is not a storage")
    ints = (int, np.integer)
    if not (isinstance(offset, ints) and isinstance(size, tuple) and isinstance(stride, tuple)
            and len(size) == len(stride) and all(isinstance(v, ints) for v in size + stride)):
        raise CheckpointError(f"a tensor has an invalid layout: offset {offset!r}, size "
                              f"{size!r}, stride {stride!r}")
    if offset < 0 or any(v < 0 for v in size + stride):
        raise CheckpointError(f"a tensor has a negative offset, size or stride: offset {offset},"
                              f" size {size}, stride {stride}")
    last = offset + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else offset - 1
    if last >= storage.size:
        raise CheckpointError(f"a tensor of size {size}, stride {stride} and offset {offset} "
                              f"reads past the end of its storage of {storage.size} elements")
    item = storage.itemsize
    view = np.lib.stride_tricks.as_strided(storage[offset:] if storage.size else storage,
                                           shape=size, strides=tuple(s * item for s in stride))
    return np.array(view)  # a copy: loaded tensors never share memory (see docs/torch.md)


def _latin1_bytes(text, encoding="latin1"):
    """`_codecs.encode`, which protocol-2 pickles use for bytes: latin-1 only."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise CheckpointError("bytes are encoded in a way that is not allowed")
    return text.encode("latin1")


def _size(*args):
    return tuple(*args)


def _device(*args):
    from funcgrad.torch._device import device
    return device(*args)


_TENSOR, _PARAMETER = object(), object()  # torch.Tensor, torch.nn.Parameter as types
_REBUILDERS = (_rebuild_tensor_v2, _rebuild_tensor, _rebuild_parameter)
_DTYPE_NAMES = ("float16", "float32", "float64", "int8", "uint8", "int16", "int32", "int64",
                "bool", "complex64", "complex128", "half", "float", "double", "short", "int",
                "long", "cfloat", "cdouble")
_ALLOWED = {
    ("collections", "OrderedDict"): OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "complex"): complex,
    ("builtins", "bytearray"): bytearray,
    ("_codecs", "encode"): _latin1_bytes,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
    ("torch", "Tensor"): _TENSOR,
    ("torch.nn.parameter", "Parameter"): _PARAMETER,
    ("torch", "Size"): _size,
    ("torch", "device"): _device,
    **{("torch", name): StorageType(name) for name in STORAGE_DTYPES},
    **{("torch", name): getattr(_dtype, name) for name in _DTYPE_NAMES},
}


class RefusedGlobal(pickle.UnpicklingError):
    """The pickle names a global that a weights-only load does not rebuild."""

    def __init__(self, module, name):
        super().__init__(f"{module}.{name}")
        self.qualified_name = f"{module}.{name}"


class WeightsOnlyUnpickler(pickle._Unpickler):  # the Python unpickler: its opcodes can be ruled
    """Rebuilds only what `_ALLOWED` names; `storages(key, storage_type, numel)` reads one."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, storages):
        super().__init__(file, encoding="utf-8")
        self._storages = storages

    def find_class(self, module, name):
        if self.proto < 3:  # Python 2's names, as protocol-2 pickles write builtins
            module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
            module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        found = _ALLOWED.get((module, name))
        if found is None:
            raise RefusedGlobal(module, name)
        return found

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], StorageType) and isinstance(pid[2], str)
                and isinstance(pid[4], int)):
            raise CheckpointError(f"unsupported persistent id {pid!r} (PyTorch's are "
                                  "('storage', storage type, key, location, size))")
        return self._storages(pid[2], pid[1], pid[4])

    # pickle would call __setitem__, append, add or __setstate__ on any object: containers only
    def _guard(opcode, kinds, target_of):
        original = pickle._Unpickler.dispatch[opcode[0]]

        def guarded(self):
            target = target_of(self)
            if not isinstance(target, kinds):
                raise CheckpointError(f"the pickle adds items to a {type(target).__name__}, "
                                      "which is not a container")
            if opcode == pickle.BUILD and not (
                    isinstance(self.stack[-1], dict)
                    and all(isinstance(k, str) and not k.startswith("__") for k in self.stack[-1])):
                raise CheckpointError("the pickle sets attributes other than plain ones")
            original(self)
        return guarded

    def _marked(self):
        return self.metastack[-1][-1] if self.metastack and self.metastack[-1] else None

    for _op, _kinds, _target in (
            (pickle.SETITEM, dict, lambda self: self.stack[-3]),
            (pickle.SETITEMS, dict, _marked),
            (pickle.APPEND, list, lambda self: self.stack[-2]),
            (pickle.APPENDS, list, _marked),
            (pickle.ADDITEMS, set, _marked),
            (pickle.BUILD, OrderedDict, lambda self: self.stack[-2])):  # (state_dict._metadata)
        dispatch[_op[0]] = _guard(_op, _kinds, _target)
    for _op in (pickle.NEWOBJ, pickle.NEWOBJ_EX, pickle.OBJ, pickle.INST, pickle.EXT1,
                pickle.EXT2, pickle.EXT4):
        def _refused(self, _name=_op):
            raise CheckpointError(f"the pickle uses the opcode {_name!r}, which builds objects "
                                  "a weights-only load does not")
        dispatch[_op[0]] = _refused
    del _op, _kinds, _target, _guard, _marked, _refused


def read_pickle(data: bytes, storages):
    """The object the pickle `data` describes (weights-only), its storages from `storages`."""
    return WeightsOnlyUnpickler(io.BytesIO(data), storages).load()


# -- writing ----------------------------------------------------------------------------------

class PickleWriter:
    """Protocol-2 opcodes for a checkpoint's object; `storages` collects (key, array) pairs."""

    def __init__(self):
        self.out = io.BytesIO()
        self.storages = []
        self._active = set()  # ids of containers being written (a cycle cannot be saved)

    def dump(self, obj) -> bytes:
        self.out.write(pickle.PROTO + b"\x02")
        self._write(obj)
        self.out.write(pickle.STOP)
        return self.out.getvalue()

    def _global(self, module, name):
        self.out.write(pickle.GLOBAL + f"{module}\n{name}\n".encode())

    def _tuple(self, items):
        self.out.write(pickle.MARK)
        for item in items:
            self._write(item)
        self.out.write(pickle.TUPLE)

    def _write(self, obj):
        from funcgrad.torch.tensor import Tensor
        w = self.out.write
        if obj is None:
            w(pickle.NONE)
        elif obj is True or obj is False:
            w(pickle.NEWTRUE if obj else pickle.NEWFALSE)
        elif isinstance(obj, (int, np.integer)) and not isinstance(obj, (bool, np.bool_)):
            self._int(int(obj))
        elif isinstance(obj, (float, np.floating)):
            w(pickle.BINFLOAT + struct.pack(">d", float(obj)))
        elif isinstance(obj, (complex, np.complexfloating)):
            self._global("builtins", "complex")
            self._tuple((obj.real, obj.imag))
            w(pickle.REDUCE)
        elif isinstance(obj, str):
            data = obj.encode("utf-8", "surrogatepass")
            w(pickle.BINUNICODE + struct.pack("<I", len(data)) + data)
        elif isinstance(obj, (bytes, bytearray)):
            self._global("_codecs", "encode")
            self._tuple((bytes(obj).decode("latin1"), "latin1"))
            w(pickle.REDUCE)
        elif isinstance(obj, _dtype.dtype):
            self._global("torch", obj.name)
        elif isinstance(obj, Tensor):
            self._tensor(obj)
        elif isinstance(obj, (dict, list, tuple, set)):
            self._container(obj)
        else:
            raise TypeError(f"torch.save (funcgrad): cannot save an object of type "
                            f"{type(obj).__name__}; save tensors, numbers, strings, bytes, "
                            "dtypes and lists/tuples/dicts/sets of them (a state_dict; a NumPy "
                            "array as torch.from_numpy(array)).")

    def _int(self, value):
        if 0 <= value < 256:
            self.out.write(pickle.BININT1 + bytes([value]))
        elif -2 ** 31 <= value < 2 ** 31:
            self.out.write(pickle.BININT + struct.pack("<i", value))
        else:
            data = pickle.encode_long(value)
            self.out.write(pickle.LONG1 + bytes([len(data)]) + data)

    def _container(self, obj):
        if id(obj) in self._active:
            raise ValueError("torch.save (funcgrad): the object contains itself; a checkpoint "
                             "cannot hold a cycle")
        self._active.add(id(obj))
        w = self.out.write
        if isinstance(obj, tuple):
            self._tuple(obj)
        elif isinstance(obj, list):
            w(pickle.EMPTY_LIST + pickle.MARK)
            for item in obj:
                self._write(item)
            w(pickle.APPENDS)
        elif isinstance(obj, set):
            self._global("builtins", "set")
            w(pickle.MARK + pickle.EMPTY_LIST + pickle.MARK)
            for item in obj:
                self._write(item)
            w(pickle.APPENDS + pickle.TUPLE + pickle.REDUCE)
        else:
            if isinstance(obj, OrderedDict):
                self._global("collections", "OrderedDict")
                w(pickle.EMPTY_TUPLE + pickle.REDUCE)
            else:
                w(pickle.EMPTY_DICT)
            w(pickle.MARK)
            for key, value in obj.items():
                self._write(key)
                self._write(value)
            w(pickle.SETITEMS)
        self._active.discard(id(obj))

    def _tensor(self, t):
        from funcgrad.core.tracer import Tracer
        if isinstance(t._data, Tracer):
            raise TypeError("torch.save (funcgrad): cannot save a tensor being traced by a "
                            "transform; save its value outside the transform")
        data = np.ascontiguousarray(t._data).reshape(np.shape(t._data))  # (0-d stays 0-d)
        if data.dtype not in STORAGE_NAMES:
            raise TypeError(f"torch.save (funcgrad): cannot save a tensor of dtype {data.dtype}")
        key = str(len(self.storages))
        self.storages.append((key, data))
        is_parameter = type(t).__name__ == "Parameter"
        w = self.out.write
        if is_parameter:
            self._global("torch._utils", "_rebuild_parameter")
            w(pickle.MARK)
        self._global("torch._utils", "_rebuild_tensor_v2")
        w(pickle.MARK)
        w(pickle.MARK)  # the storage's persistent id
        self._write("storage")
        self._global("torch", STORAGE_NAMES[data.dtype])
        self._write(key)
        self._write("cpu")
        self._int(data.size)
        w(pickle.TUPLE + pickle.BINPERSID)
        self._int(0)
        self._tuple(data.shape)
        self._tuple(_contiguous_strides(data.shape))
        self._write(bool(t.requires_grad) and not is_parameter)
        self._global("collections", "OrderedDict")
        w(pickle.EMPTY_TUPLE + pickle.REDUCE)
        w(pickle.TUPLE + pickle.REDUCE)
        if is_parameter:
            self._write(bool(t.requires_grad))
            self._global("collections", "OrderedDict")
            w(pickle.EMPTY_TUPLE + pickle.REDUCE)
            w(pickle.TUPLE + pickle.REDUCE)


def _contiguous_strides(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))
