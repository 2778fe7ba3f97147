"""torch.save / torch.load in PyTorch's zip checkpoint format, read weights-only.

A checkpoint is a zip archive with one folder: `data.pkl` (a pickle of the saved object, in
which each tensor is `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)` and
each storage a persistent id `('storage', torch.FloatStorage, key, 'cpu', numel)`), the
storages' raw bytes in `data/<key>`, and `byteorder`, `version`, `.format_version`,
`.storage_alignment`. Files written here load in PyTorch with `weights_only=True`; files
PyTorch writes load here.

Loading never runs code from the file: the pickle is read under PyTorch's weights-only rule
(only tensors, dicts and OrderedDicts, lists, tuples, sets, numbers, strings, bytes, dtypes and
devices are rebuilt; see `_checkpoint_pickle`), and a pickle naming any other global is refused
before anything in it runs. A malformed file raises an error naming the file and what is wrong.
"""
from __future__ import annotations

import io
import json
import os
import pickle
import struct
import zipfile

import numpy as np

from funcgrad.torch._checkpoint_pickle import (CheckpointError, PickleWriter, RefusedGlobal,
                                               read_pickle)

_ALIGNMENT = 64  # storages start at multiples of 64 bytes, as PyTorch writes them


# -- save -------------------------------------------------------------------------------------

def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Write `obj` (tensors, and dicts/lists/tuples/sets/numbers/strings of them) to `f` (a
    path or a binary file) in PyTorch's zip format."""
    writer = PickleWriter()
    data_pkl = writer.dump(obj)
    out = open(f, "wb") if isinstance(f, (str, os.PathLike)) else f
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
            _record(archive, "data.pkl", data_pkl)
            _record(archive, ".format_version", b"1")
            _record(archive, ".storage_alignment", str(_ALIGNMENT).encode())
            if not _disable_byteorder_record:
                _record(archive, "byteorder", b"little")
            for key, array in writer.storages:
                _record(archive, f"data/{key}", _little_endian(array).tobytes(), aligned=True)
            _record(archive, "version", b"3\n")
    finally:
        if out is not f:
            out.close()


def _record(archive, name, data, aligned=False):
    info = zipfile.ZipInfo(f"archive/{name}", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    if aligned:  # pad the local header's extra field so that the data starts aligned
        start = archive.fp.tell() + 30 + len(info.filename.encode()) + 4
        info.extra = b"FB" + (start % _ALIGNMENT and
                              (_ALIGNMENT - start % _ALIGNMENT)).to_bytes(2, "little")
        info.extra += b"Z" * int.from_bytes(info.extra[2:4], "little")
    archive.writestr(info, data)


def _little_endian(array):
    return array.byteswap().view(array.dtype.newbyteorder()) \
        if array.dtype.byteorder == ">" else array


# -- load -------------------------------------------------------------------------------------

def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Read a checkpoint written by `torch.save` (PyTorch's or funcgrad's), weights-only.

    Tensors come back on the CPU (funcgrad has no other device), so `map_location` changes
    nothing; `weights_only=False` is refused: funcgrad never runs code from a file."""
    name = _describe(f)
    if weights_only is False:
        raise pickle.UnpicklingError(
            f"funcgrad.torch.load({name}): weights_only=False would run arbitrary code from the "
            "file; funcgrad always loads weights only (tensors, dicts, lists, tuples, numbers)")
    source = open(f, "rb") if isinstance(f, (str, os.PathLike)) else f
    try:
        raw = source.read()
    finally:
        if source is not f:
            source.close()
    return _load_bytes(raw, name)


def _describe(f):
    if isinstance(f, (str, os.PathLike)):
        return repr(os.fspath(f))
    return f"<{type(f).__name__}>" if not hasattr(f, "name") else repr(getattr(f, "name"))


def _load_bytes(raw, name):
    if raw[:1] == b"\x80":  # a bare pickle: torch.save's format before the zip one
        raise CheckpointError(
            f"funcgrad.torch.load({name}): the file is in PyTorch's legacy (pre-1.6) format, "
            "which funcgrad does not read; save it again with torch.save (the zip format)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as err:
        raise CheckpointError(f"funcgrad.torch.load({name}): not a checkpoint: the file is not "
                              f"a zip archive ({err}); {len(raw)} bytes") from None
    with archive:
        names = archive.namelist()
        if any(n.endswith("structure.json") for n in names):
            return _load_funcgrad_v1(archive, name)
        pickles = [n for n in names if n.count("/") == 1 and n.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise CheckpointError(f"funcgrad.torch.load({name}): not a PyTorch checkpoint: "
                                  f"expected one '<archive>/data.pkl' record, found "
                                  f"{len(pickles)} among {names[:8]}")
        prefix = pickles[0][:-len("data.pkl")]
        byteorder = _read(archive, prefix + "byteorder", name, default=b"little")
        if byteorder not in (b"little", b"big"):
            raise CheckpointError(f"funcgrad.torch.load({name}): unknown byteorder record "
                                  f"{byteorder[:20]!r}")
        storages = _StorageReader(archive, prefix, byteorder.decode(), name)
        try:
            return read_pickle(_read(archive, pickles[0], name), storages)
        except RefusedGlobal as err:
            raise pickle.UnpicklingError(_refused_message(name, err.qualified_name)) from None
        except CheckpointError as err:
            if str(err).startswith("funcgrad.torch.load("):
                raise
            raise CheckpointError(f"funcgrad.torch.load({name}): {err}") from None
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError,
                KeyError, AttributeError, struct.error, RecursionError) as err:
            raise pickle.UnpicklingError(
                f"funcgrad.torch.load({name}): the pickle in {pickles[0]!r} is malformed: "
                f"{type(err).__name__}: {err}") from None
        except RuntimeError as err:  # a rebuilt tensor refused (an integer Parameter...)
            raise CheckpointError(f"funcgrad.torch.load({name}): {err}") from None


def _refused_message(name, qualified):
    hint = " (funcgrad.torch has no such type)" if qualified.startswith("torch") else ""
    return (f"Weights only load failed: funcgrad.torch.load({name}): the pickle names the "
            f"global {qualified}{hint}, which a weights-only load does not allow: only tensors, "
            "Parameters, dicts and OrderedDicts, lists, tuples, sets, numbers, strings, bytes, "
            "dtypes and devices are rebuilt. Nothing in the file was run.")


def _read(archive, record, name, default=None):
    try:
        return archive.read(record)
    except KeyError:
        if default is not None:
            return default
        raise CheckpointError(f"funcgrad.torch.load({name}): the record {record!r} is "
                              "missing from the archive") from None
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise CheckpointError(f"funcgrad.torch.load({name}): the record {record!r} cannot be "
                              f"read: {err}") from None


class _StorageReader:
    """Reads each storage once (tensors that share one get copies of the same values)."""

    def __init__(self, archive, prefix, byteorder, name):
        self.archive, self.prefix, self.byteorder, self.name = archive, prefix, byteorder, name
        self.cache = {}

    def __call__(self, key, storage_type, numel):
        found = self.cache.get(key)
        if found is not None:
            if found.dtype != storage_type.dtype:
                raise CheckpointError(f"storage {key!r} is read as {found.dtype} and as "
                                      f"{storage_type.dtype}")
            return found
        data = _read(self.archive, f"{self.prefix}data/{key}", self.name)
        dtype = storage_type.dtype
        if len(data) != numel * dtype.itemsize:
            raise CheckpointError(f"storage {key!r} ({storage_type.name}) holds {len(data)} "
                                  f"bytes; its {numel} elements need {numel * dtype.itemsize}")
        array = np.frombuffer(data, dtype.newbyteorder("<" if self.byteorder == "little"
                                                       else ">"))
        array = array.astype(dtype)  # native byte order, and writable
        self.cache[key] = array
        return array


def _load_funcgrad_v1(archive, name):
    """Files written by earlier funcgrad versions: structure.json + arrays.npz (no pickle)."""
    from funcgrad.torch.tensor import Tensor
    try:
        structure = json.loads(archive.read(_one(archive, "structure.json")))
        with np.load(io.BytesIO(archive.read(_one(archive, "arrays.npz"))),
                     allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, StopIteration) as err:
        raise CheckpointError(f"funcgrad.torch.load({name}): a malformed funcgrad (v1) "
                              f"checkpoint: {err}") from None

    def decode(obj):
        if isinstance(obj, list):
            return [decode(v) for v in obj]
        if not isinstance(obj, dict):
            return obj
        if "__tensor__" in obj:
            t = Tensor._make(np.array(arrays[obj["__tensor__"]]))
            if obj.get("parameter"):
                from funcgrad.torch.nn.parameter import Parameter
                return Parameter(t, requires_grad=obj["requires_grad"])
            return t.requires_grad_(True) if obj["requires_grad"] else t
        if "__ndarray__" in obj:
            return np.array(arrays[obj["__ndarray__"]])
        if "__tuple__" in obj:
            return tuple(decode(v) for v in obj["__tuple__"])
        return {decode(k): decode(v) for k, v in obj["__dict__"]}
    try:
        return decode(structure)
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"funcgrad.torch.load({name}): a malformed funcgrad (v1) "
                              f"checkpoint: {type(err).__name__}: {err}") from None


def _one(archive, suffix):
    return next(n for n in archive.namelist() if n.endswith(suffix))
