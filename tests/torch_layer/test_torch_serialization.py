"""funcgrad.torch.save/load: PyTorch's zip checkpoint format, read under the weights-only rule.

Files written by PyTorch load here and files written here load in PyTorch (skipped without it);
crafted files that would run code are refused before anything runs; malformed files raise an
error that names the file and what is wrong.
"""
from __future__ import annotations

import io
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import funcgrad.torch as ft

DTYPES = ["float16", "float32", "float64", "int8", "uint8", "int16", "int32", "int64", "bool",
          "complex64", "complex128"]


def _np(t):
    return np.asarray(t.detach()._data) if isinstance(t, ft.Tensor) else t.detach().numpy()


def _sample(T):
    """The same nested object in either library: every dtype, a non-contiguous tensor, views
    of one storage, a Parameter, a tensor that requires grad, 0-d and empty tensors."""
    base = T.arange(12.0).reshape(3, 4)
    return {
        "dtypes": {name: T.arange(6).reshape(2, 3).to(getattr(T, name)) for name in DTYPES},
        "transposed": base.t(), "strided": base[:, ::2], "row": base[1], "base": base,
        "param": T.nn.Parameter(T.ones(2) * 0.5), "needs_grad": T.full((2,), 2.0).requires_grad_(),
        "scalar": T.tensor(3.25), "empty": T.zeros(0, 3),
        "plain": [1, -2, 2 ** 40, 2.5, "text", None, True, (1, (2, 3)), b"\x00\xffbytes",
                  1 + 2j, {"set"}],
        "dtype": T.float64, "ordered": OrderedDict([("b", 1), ("a", 2)]),
    }


def _assert_same(ours, theirs, path="obj"):
    """ours (funcgrad) equals theirs (funcgrad or PyTorch): values, dtypes, kinds, flags."""
    if hasattr(theirs, "numpy") or isinstance(theirs, ft.Tensor):
        assert isinstance(ours, ft.Tensor), path
        a, b = _np(ours), _np(theirs)
        assert a.dtype == b.dtype and a.shape == b.shape, (path, a.dtype, b.dtype, a.shape)
        np.testing.assert_array_equal(a, b, err_msg=path)
        assert ours.requires_grad == theirs.requires_grad, path
        assert (type(ours).__name__ == "Parameter") == (type(theirs).__name__ == "Parameter")
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs), path
        for k in theirs:
            _assert_same(ours[k], theirs[k], f"{path}[{k!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _assert_same(a, b, f"{path}[{i}]")
    elif type(theirs).__name__ == "dtype":
        assert str(ours) == str(theirs), path
    else:
        assert ours == theirs and type(ours) is type(theirs), (path, ours, theirs)


# -- funcgrad to funcgrad (no PyTorch needed) --------------------------------------------------

def test_round_trip_keeps_values_dtypes_kinds_and_flags(tmp_path):
    obj = _sample(ft)
    ft.save(obj, tmp_path / "ours.pt")
    _assert_same(ft.load(tmp_path / "ours.pt"), obj)
    buffer = io.BytesIO()
    ft.save(obj, buffer)
    buffer.seek(0)
    _assert_same(ft.load(buffer), obj)


def test_the_file_is_pytorchs_zip_layout(tmp_path):
    ft.save({"w": ft.ones(3)}, tmp_path / "m.pt")
    with zipfile.ZipFile(tmp_path / "m.pt") as archive:
        names = archive.namelist()
        assert names == ["archive/data.pkl", "archive/.format_version",
                         "archive/.storage_alignment", "archive/byteorder", "archive/data/0",
                         "archive/version"]
        assert archive.read("archive/byteorder") == b"little"
        assert archive.read("archive/data/0") == np.ones(3, np.float32).tobytes()
        info = archive.getinfo("archive/data/0")  # storages start 64-byte aligned
        assert (info.header_offset + 30 + len(info.filename) + len(info.extra)) % 64 == 0
        assert b"torch._utils\n_rebuild_tensor_v2" in archive.read("archive/data.pkl")


def test_unsavable_objects_are_refused_by_name():
    with pytest.raises(TypeError, match="cannot save an object of type object"):
        ft.save(object(), io.BytesIO())
    cycle = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="cycle"):
        ft.save(cycle, io.BytesIO())


# -- files written by PyTorch, and files PyTorch reads ----------------------------------------

@pytest.mark.torch
def test_files_written_by_pytorch_load_here(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2),
                                torch.nn.Flatten(), torch.nn.Linear(8, 3))
    model(torch.randn(4, 1, 4, 4))  # running statistics and num_batches_tracked change
    torch.save(model.state_dict(), tmp_path / "model.pt")
    state = ft.load(tmp_path / "model.pt")
    _assert_same(state, model.state_dict())
    assert state._metadata[""] == {"version": 1}  # PyTorch's state_dict metadata comes along
    ours = ft.nn.Sequential(ft.nn.Conv2d(1, 2, 3), ft.nn.BatchNorm2d(2), ft.nn.Flatten(),
                            ft.nn.Linear(8, 3))
    ours.load_state_dict(state)
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32)
    model.eval(), ours.eval()
    np.testing.assert_allclose(_np(ours(ft.tensor(x))), _np(model(torch.tensor(x))), rtol=1e-5,
                               atol=1e-6)
    torch.save(_sample(torch), tmp_path / "sample.pt")
    _assert_same(ft.load(tmp_path / "sample.pt"), _sample(torch))


@pytest.mark.torch
def test_files_written_here_load_in_pytorch_weights_only(tmp_path):
    torch = pytest.importorskip("torch")
    ft.save(_sample(ft), tmp_path / "ours.pt")
    theirs = torch.load(tmp_path / "ours.pt", weights_only=True)
    _assert_same(_sample(ft), theirs)
    ft.manual_seed(0)
    ours = ft.nn.Linear(3, 2)
    ft.save(ours.state_dict(), tmp_path / "linear.pt")
    model = torch.nn.Linear(3, 2)
    model.load_state_dict(torch.load(tmp_path / "linear.pt", weights_only=True))
    np.testing.assert_array_equal(model.weight.detach().numpy(), _np(ours.weight))
    again = tmp_path / "again.pt"  # and back: PyTorch re-saves what it read from us
    torch.save(theirs, again)
    _assert_same(ft.load(again), _sample(ft))


# -- files that would run code ------------------------------------------------------------------

def _checkpoint(path, data_pkl, extra=()):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        archive.writestr("archive/byteorder", b"little")
        for name, data in extra:
            archive.writestr(f"archive/{name}", data)
        archive.writestr("archive/version", b"3\n")
    return path


class _Runs:
    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


@pytest.mark.parametrize("fn, args, named", [
    (os.system, "touch {marker}", os.system.__module__ + ".system"),
    (eval, "open({marker!r}, 'w').write('ran')", "builtins.eval"),
    (exec, "open({marker!r}, 'w').write('ran')", "builtins.exec"),
    (open, "{marker}", "io.open"),
])
def test_a_pickle_that_would_run_code_is_refused_and_nothing_runs(tmp_path, fn, args, named):
    marker = tmp_path / "ran"
    payload = _Runs(fn, args.format(marker=str(marker)), *(("w",) if fn is open else ()))
    path = _checkpoint(tmp_path / "evil.pt", pickle.dumps({"weights": payload}, protocol=2))
    with pytest.raises(pickle.UnpicklingError) as info:
        ft.load(path)
    message = str(info.value)
    assert named in message and "evil.pt" in message and "Nothing in the file was run" in message
    assert not marker.exists()


def test_refused_even_when_hidden_in_a_tensor_rebuild(tmp_path):
    marker = tmp_path / "ran"
    # a storage type that is really os.system: GLOBAL names it, nothing calls it
    data = (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(" b"(X\x07\x00\x00\x00storage"
            b"cposix\nsystem\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x01tQK\x00)K\x01\x85"
            b"\x89ccollections\nOrderedDict\n)RtR.")
    with pytest.raises(pickle.UnpicklingError, match="posix.system"):
        ft.load(_checkpoint(tmp_path / "hidden.pt", data))
    assert not marker.exists()


@pytest.mark.parametrize("data, words", [
    # SETITEM on a tuple (on a tensor it would be index_put): only dicts take items
    (b"\x80\x02ctorch\nSize\n)RK\x00K\x01s.", "which is not a container"),
    # BUILD on a set (state setting on anything but an OrderedDict)
    (b"\x80\x02cbuiltins\nset\n)R}X\x01\x00\x00\x00aK\x01sb.", "not a container"),
    # NEWOBJ of an allowed class
    (b"\x80\x02cbuiltins\nset\n)\x81.", "opcode"),
    # bytes through another codec than latin-1
    (b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x06\x00\x00\x00base64\x86R.",
     "not allowed"),
])
def test_opcodes_that_would_act_on_other_objects_are_refused(tmp_path, data, words):
    with pytest.raises((pickle.UnpicklingError, RuntimeError), match=words):
        ft.load(_checkpoint(tmp_path / "odd.pt", data))


def test_weights_only_false_is_refused(tmp_path):
    ft.save({"w": ft.ones(1)}, tmp_path / "m.pt")
    with pytest.raises(pickle.UnpicklingError, match="always loads weights only"):
        ft.load(tmp_path / "m.pt", weights_only=False)
    assert ft.load(tmp_path / "m.pt", weights_only=True, map_location="cpu")["w"].tolist() == [1]


# -- malformed files ------------------------------------------------------------------------------

def _tensor_pickle(offset=0, size=(3,), stride=(1,), numel=3, key="0"):
    """The pickle PyTorch writes for one float32 tensor of this layout in storage `key`."""
    size_ops = b"(" + b"".join(b"K" + bytes([s]) for s in size) + b"t"
    stride_ops = b"(" + b"".join(b"K" + bytes([s]) for s in stride) + b"t"
    return (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storage"
            b"ctorch\nFloatStorage\nX" + len(key).to_bytes(4, "little") + key.encode()
            + b"X\x03\x00\x00\x00cpuK" + bytes([numel]) + b"tQK" + bytes([offset]) + size_ops
            + stride_ops + b"\x89ccollections\nOrderedDict\n)RtR.")


@pytest.mark.parametrize("build, words", [
    (lambda p: p.write_bytes(b"not a zip at all"), "not a zip archive"),
    (lambda p: p.write_bytes(b""), "not a zip archive"),
    (lambda p: p.write_bytes(pickle.dumps({"a": 1})), "legacy"),
    (lambda p: _rewrite(_checkpoint(p, b"."), "archive/data.pkl", None), "data.pkl"),
    (lambda p: _checkpoint(p, _tensor_pickle()), "'archive/data/0' is missing"),
    (lambda p: _checkpoint(p, _tensor_pickle(), [("data/0", b"\x00" * 8)]),
     "holds 8 bytes; its 3 elements need 12"),
    (lambda p: _checkpoint(p, _tensor_pickle(offset=1, size=(3,)),
                           [("data/0", b"\x00" * 12)]), "reads past the end of its storage"),
    (lambda p: _checkpoint(p, _tensor_pickle(size=(2, 2), stride=(2, 1)),
                           [("data/0", b"\x00" * 12)]), "reads past the end"),
    (lambda p: _checkpoint(p, _tensor_pickle()[:40]), "malformed"),
    (lambda p: _checkpoint(p, b"\x80\x02\xff."), "malformed"),
    (lambda p: _checkpoint(p, b"\x80\x02X\x01\x00\x00\x00aQ."), "persistent id"),
    (lambda p: _checkpoint(p, _tensor_pickle(), [("data/0", b"\x00" * 12)])
     and _rewrite(p, "archive/byteorder", b"middle"), "byteorder"),
])
def test_malformed_files_name_the_file_and_the_fault(tmp_path, build, words):
    path = tmp_path / "broken.pt"
    build(path)
    with pytest.raises((RuntimeError, pickle.UnpicklingError)) as info:
        ft.load(path)
    assert "broken.pt" in str(info.value) and words in str(info.value), str(info.value)


def _rewrite(path, record, data):
    with zipfile.ZipFile(path) as archive:
        records = {n: archive.read(n) for n in archive.namelist()}
    records[record] = data
    records = {k: v for k, v in records.items() if v is not None}
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in records.items():
            archive.writestr(name, value)
    return path


def test_a_well_formed_handmade_tensor_loads(tmp_path):
    values = np.array([1.5, -2.0, 4.0], np.float32)
    path = _checkpoint(tmp_path / "ok.pt", _tensor_pickle(), [("data/0", values.tobytes())])
    np.testing.assert_array_equal(_np(ft.load(path)), values)
    path = _checkpoint(tmp_path / "strided.pt", _tensor_pickle(offset=1, size=(2,), stride=(1,)),
                       [("data/0", values.tobytes())])
    np.testing.assert_array_equal(_np(ft.load(path)), values[1:])


def test_files_of_the_earlier_funcgrad_format_still_load(tmp_path):
    import json
    arrays = io.BytesIO()
    np.savez(arrays, t0=np.arange(3.0, dtype=np.float32))
    path = tmp_path / "v1.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("structure.json", json.dumps(
            {"__dict__": [["w", {"__tensor__": "t0", "requires_grad": False}], ["n", 3]]}))
        archive.writestr("arrays.npz", arrays.getvalue())
    loaded = ft.load(path)
    assert loaded["n"] == 3 and loaded["w"].tolist() == [0.0, 1.0, 2.0]
    with zipfile.ZipFile(path, "w") as archive:  # tampered: a tensor key that is not there
        archive.writestr("structure.json", json.dumps({"__tensor__": "t9"}))
        archive.writestr("arrays.npz", arrays.getvalue())
    with pytest.raises(RuntimeError, match="v1.pt.*malformed"):
        ft.load(path)
