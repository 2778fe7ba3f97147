"""torch.save / torch.load without pickle: tensors go into an .npz archive, structure into JSON.

Loading never executes code: only arrays, numbers, strings, lists, tuples and dicts come back.
"""
from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np

from funcgrad.torch.tensor import Tensor


def _encode(obj, arrays):
    if isinstance(obj, Tensor):
        key = f"t{len(arrays)}"
        arrays[key] = np.asarray(obj.detach()._data)
        return {"__tensor__": key, "requires_grad": obj.requires_grad,
                "parameter": type(obj).__name__ == "Parameter"}
    if isinstance(obj, np.ndarray):
        key = f"t{len(arrays)}"
        arrays[key] = obj
        return {"__ndarray__": key}
    if isinstance(obj, dict):
        return {"__dict__": [[_encode(k, arrays), _encode(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v, arrays) for v in obj]
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"torch.save (funcgrad): cannot save an object of type {type(obj).__name__}; "
                    "save tensors, numbers, strings and lists/tuples/dicts of them (a state_dict).")


def _decode(obj, arrays):
    if isinstance(obj, list):
        return [_decode(v, arrays) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "__tensor__" in obj:
        t = Tensor._make(np.array(arrays[obj["__tensor__"]]))
        if obj.get("parameter"):
            from funcgrad.torch.nn.parameter import Parameter
            return Parameter(t, requires_grad=obj["requires_grad"])
        if obj["requires_grad"]:
            t.requires_grad_(True)
        return t
    if "__ndarray__" in obj:
        return np.array(arrays[obj["__ndarray__"]])
    if "__tuple__" in obj:
        return tuple(_decode(v, arrays) for v in obj["__tuple__"])
    if "__dict__" in obj:
        return {_decode(k, arrays): _decode(v, arrays) for k, v in obj["__dict__"]}
    raise ValueError("torch.load (funcgrad): unrecognised entry in the file")


def save(obj, f, **_):
    arrays = {}
    structure = _encode(obj, arrays)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    out = open(f, "wb") if isinstance(f, (str, os.PathLike)) else f
    try:
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("structure.json", json.dumps(structure))
            archive.writestr("arrays.npz", buffer.getvalue())
    finally:
        if out is not f:
            out.close()


def load(f, map_location=None, weights_only=True, **_):
    source = open(f, "rb") if isinstance(f, (str, os.PathLike)) else f
    try:
        with zipfile.ZipFile(source) as archive:
            structure = json.loads(archive.read("structure.json"))
            with np.load(io.BytesIO(archive.read("arrays.npz")), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
    finally:
        if source is not f:
            source.close()
    return _decode(structure, arrays)
