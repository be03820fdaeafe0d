"""Loading model files that carry no code: skops with an explicit list of trusted types.

Shared by every saved model (:class:`civictext.topics.model.TopicModel`, and any other
model folder): a model folder someone hands you must not be able to run code on
load, and must not point outside itself.

* :func:`dump` writes an object with :mod:`skops.io` atomically; :func:`dumps`
  gives the bytes. Both are canonical: the same object gives the same bytes in
  every process (see :func:`canonical`).
* :func:`load` reads it back and refuses any type that is not trusted by skops
  itself (builtins, numpy, scipy, scikit-learn) or named in ``trusted_types``,
  listing the untrusted types in a :class:`~civictext.errors.ModelError`.
* :func:`member` resolves a file name read from a sidecar inside the model
  folder, refusing absolute paths, ``..`` and symbolic links that leave it.
* :func:`frame_state` / :func:`frame_from_state` turn a DataFrame into plain
  lists and back (skops does not persist pandas objects).
* :func:`dumps_arrays` / :func:`loads_arrays` write and read a canonical ``.npz``
  of plain numeric and text arrays (never pickles: ``allow_pickle=False``), and
  :func:`estimator_state` / :func:`estimator_from_state` split a fitted linear
  estimator into such arrays plus JSON scalars and build it back: a model can be
  read without importing :mod:`skops.io` (whose import alone costs seconds: it
  imports every scikit-learn estimator to list the trusted types).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

from civictext.errors import ModelError

__all__ = ["dump", "dumps", "canonical", "load", "member", "frame_state", "frame_from_state",
           "dumps_arrays", "loads_arrays", "estimator_state", "estimator_from_state"]

#: Largest model file :func:`load` reads (bytes); a model over this is refused.
MAX_MODEL_BYTES = 2 * 1024**3


def _skops():
    try:
        import skops.io as sio
    except ImportError:  # pragma: no cover - a core dependency
        raise ModelError("saving and loading models needs skops: pip install skops") from None
    return sio


#: The time stamp of every member of a canonical model file (zip's earliest).
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def canonical(data: bytes, *, compresslevel: int | None = None) -> bytes:
    """A skops file rewritten so that its bytes depend only on the object saved.

    skops names each array file and ``__id__`` after the array's ``id()`` (a
    memory address, different in every process and on every save), stamps
    every zip member with the current time, and writes a set in its iteration
    order (string hashing differs per process). Here ids are renumbered
    1, 2, ... in the schema's order (one mapping for ``__id__``, references to
    it included, and one for member files), the members of a set are sorted,
    and every member is written with a fixed time stamp and permissions, in
    skops' order (data files, then ``schema.json``). Loading is unchanged:
    skops only needs the ids and file names to be consistent within the file.
    """
    import io
    import zipfile

    buf = io.BytesIO()
    _canonical_into(zipfile.ZipFile(io.BytesIO(data)), buf, compresslevel=compresslevel)
    return buf.getvalue()


def _canonical_into(src: Any, dest: Any, *, compresslevel: int | None = None) -> None:
    """:func:`canonical` of the open zip ``src`` written to the seekable binary
    file ``dest``, one member at a time (what :func:`dump` uses: the file is never
    held whole in memory)."""
    import json
    import zipfile

    schema = json.loads(src.read("schema.json"))
    names = set(src.namelist())
    ids: dict[Any, int] = {}
    files: dict[str, str] = {}

    def sort_sets(node: Any) -> Any:
        if isinstance(node, dict):
            node = {k: sort_sets(v) for k, v in node.items()}
            if node.get("__loader__") == "SetNode" and isinstance(node.get("content"), list):
                node["content"] = sorted(node["content"], key=lambda x: json.dumps(
                    _without_ids(x), sort_keys=True))
            return node
        if isinstance(node, list):
            return [sort_sets(v) for v in node]
        return node

    def renumber(node: Any) -> Any:
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for k, v in node.items():
                if k == "__id__" and isinstance(v, int):
                    out[k] = ids.setdefault(v, len(ids) + 1)
                elif k == "file" and isinstance(v, str) and v in names:
                    out[k] = files.setdefault(v, f"{len(files) + 1}{Path(v).suffix}")
                else:
                    out[k] = renumber(v)
            return out
        if isinstance(node, list):
            return [renumber(v) for v in node]
        return node

    schema = renumber(sort_sets(schema))
    if set(files) != names - {"schema.json"}:  # pragma: no cover - a skops we do not know
        raise ModelError(f"model file: skops wrote members the schema does not name "
                         f"({sorted(names - set(files) - {'schema.json'})[:3]}); "
                         "check the skops version")
    with zipfile.ZipFile(dest, "w") as out:
        for old, new in sorted(files.items(), key=lambda kv: int(Path(kv[1]).stem)):
            _write_member(out, new, src.read(old), src.getinfo(old).compress_type,
                          compresslevel)
        _write_member(out, "schema.json", json.dumps(schema, indent=2).encode("utf-8"),
                      src.getinfo("schema.json").compress_type, compresslevel)


def _without_ids(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_ids(v) for k, v in node.items() if k != "__id__"}
    if isinstance(node, list):
        return [_without_ids(v) for v in node]
    return node


def _write_member(zf: Any, name: str, payload: bytes, compress_type: int,
                  compresslevel: int | None = None) -> None:
    import zipfile

    if name.endswith(".npz"):  # scipy's sparse matrices: a zip inside, time-stamped too
        payload = _restamp_zip(payload)
    info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
    info.compress_type = compress_type
    info.external_attr = 0o644 << 16
    info.create_system = 3
    zf.writestr(info, payload, compress_type=compress_type, compresslevel=compresslevel)


def _restamp_zip(payload: bytes) -> bytes:
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(payload))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            _write_member(out, info.filename, src.read(info), info.compress_type)
    return buf.getvalue()


def dumps(obj: Any, **kwargs: Any) -> bytes:
    """``skops.io.dumps(obj, **kwargs)``, made :func:`canonical`."""
    return canonical(_skops().dumps(obj, **kwargs), compresslevel=kwargs.get("compresslevel"))


def dump(obj: Any, path: str | os.PathLike) -> Path:
    """Write ``obj`` to ``path`` with skops, atomically (canonical bytes: saving
    the same model twice, in any process, gives the same file; the same bytes as
    :func:`dumps`).

    skops writes its zip to a temporary file next to ``path`` as it goes
    (:func:`_skops_zip_into`); it is rewritten canonically, one member at a time,
    into a second temporary file renamed over ``path``; so neither zip is held
    whole in memory."""
    import contextlib
    import tempfile
    import zipfile

    from civictext._io import atomic_write

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, raw = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".skops.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w+b") as tmp:
            _skops_zip_into(obj, tmp)
            tmp.seek(0)
            with zipfile.ZipFile(tmp) as src, atomic_write(path, "wb") as fh:
                _canonical_into(src, fh)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(raw)
    return path


def _skops_zip_into(obj: Any, fh: Any) -> None:
    """``skops.io.dump(obj, fh)``: the same zip members, written into the open
    binary file ``fh`` as skops makes them. ``skops.io.dump`` builds the whole zip
    in a ``BytesIO`` first and then copies it to the file (a topic model of the
    news feed: a 62 MB buffer while saving); this runs the steps of skops' own
    ``_save`` (``SaveContext``, ``get_state``, the protocol and version, then
    ``schema.json``) on a zip opened on ``fh``. A skops without those helpers gets
    ``skops.io.dump``."""
    import json
    import zipfile

    _skops()
    try:
        import skops
        from skops.io._utils import SaveContext, get_state  # skops' own _save uses these
    except ImportError:  # pragma: no cover - another skops layout
        _skops().dump(obj, fh)
        return
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as zip_file:
        context = SaveContext(zip_file=zip_file)
        state = get_state(obj, context)
        context.clear_memo()
        state["protocol"] = context.protocol
        state["_skops_version"] = skops.__version__
        zip_file.writestr("schema.json", json.dumps(state, indent=2))


def load(path: str | os.PathLike, *, where: str, trusted_types: Iterable[str] = ()) -> Any:
    """Read a skops file, refusing every type not trusted.

    Parameters
    ----------
    path : path-like
        The file (resolve it with :func:`member` first).
    where : str
        The caller's name, for messages (``"TopicModel.load"``).
    trusted_types : iterable of str
        Fully qualified type names trusted beyond skops' defaults.
    """
    sio = _skops()
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_MODEL_BYTES:
        raise ModelError(f"{where}: {path} is {size / 2**20:.0f} MB, more than the "
                         f"{MAX_MODEL_BYTES / 2**20:.0f} MB a model file may have; it is not a "
                         "civictext model")
    data = path.read_bytes()
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:  # a corrupt or foreign zip file
        raise ModelError(f"{where}: {path} is not a skops model file ({type(exc).__name__}: "
                         f"{exc}); save the model again") from None
    trusted = set(trusted_types)
    refused = sorted(t for t in untrusted if t not in trusted)
    if refused:
        raise ModelError(f"{where}: {path} contains types that are not trusted: "
                         f"{', '.join(refused)}; a civictext model holds none, so it was not "
                         "loaded (it may have been altered to run code)")
    try:
        return sio.loads(data, trusted=sorted(set(untrusted) & trusted))
    except Exception as exc:
        raise ModelError(f"{where}: {path} cannot be loaded ({type(exc).__name__}: {exc}); "
                         "save the model again") from None


def member(folder: str | os.PathLike, name: Any, *, where: str) -> Path:
    """``folder / name`` for a file name read from a sidecar, refusing any path
    that leaves ``folder`` (absolute, ``..``, or a symbolic link out of it)."""
    folder = Path(folder)
    if not isinstance(name, str) or not name or "\0" in name:
        raise ModelError(f"{where}: the model file name {name!r} in {folder} is not a file name")
    candidate = Path(name)
    if candidate.is_absolute() or ".." in candidate.parts:
        raise ModelError(f"{where}: the model file {name!r} named in {folder} is outside the "
                         "model folder; a model folder must hold its own files (refused)")
    path = folder / candidate
    try:
        real, base = path.resolve(), folder.resolve()
    except (OSError, RuntimeError) as exc:
        raise ModelError(f"{where}: {path} cannot be resolved ({exc})") from None
    if real != base and base not in real.parents:
        raise ModelError(f"{where}: {path} is a link to {real}, outside the model folder "
                         "(refused)")
    return path


def frame_state(frame: Any) -> dict[str, Any]:
    """A DataFrame as plain data: one numpy array (or list) per column, dtype names
    and JSON-able attrs."""
    cols = {}
    for c in frame.columns:
        cols[str(c)] = _column_state(frame[c])
    return {"columns": [str(c) for c in frame.columns], "data": cols,
            "dtypes": {str(c): str(frame[c].dtype) for c in frame.columns},
            "attrs": {k: v for k, v in frame.attrs.items() if _plain(v)}}


def _column_state(col: Any) -> Any:
    """One column as a numpy array (numbers, booleans), strings without missing
    values as ``{"categories", "codes"}`` arrays (skops stores each array as one
    ``.npy`` member), anything else as a plain list.

    A list is stored by skops one element at a time (a schema entry per value:
    a topic model's ``doc_topics`` of 150,000 documents made a 1.4 GB file and
    several GB of memory while saving); an array costs its bytes.
    """
    import numpy as np

    kind = getattr(col.dtype, "kind", "O")
    if kind in "biuf":
        return np.ascontiguousarray(col.to_numpy())
    fast = _string_codes(col)
    if fast is not None:
        return fast
    values = col.tolist()
    if values and all(type(v) is str for v in values):
        # each distinct string once, and one code per row (ids repeat per topic)
        uniques, codes = np.unique(np.array(values, dtype=str), return_inverse=True)
        return {"categories": uniques, "codes": codes.astype(np.int64)}
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def _string_codes(col: Any) -> dict[str, Any] | None:
    """:func:`_column_state`'s ``{"categories", "codes"}`` of a pandas string column
    without missing values, from its distinct values only (None: not such a column).

    The same arrays as ``np.unique(np.array(col.tolist(), dtype=str),
    return_inverse=True)`` (sorted by code point, ``<U`` as wide as the longest
    value), without a Python string and a fixed-width copy of every row: a
    ``doc_topics`` table of 150,000 documents (1.5 M rows) took ~700 MB that way.
    """
    import numpy as np
    import pandas as pd

    if not isinstance(col.dtype, pd.StringDtype) or not len(col) or col.isna().any():
        return None
    codes, uniques = pd.factorize(col, sort=True)
    distinct = uniques.tolist()
    # numpy's str arrays drop trailing NULs (so np.unique would merge "a" and "a\0"):
    # leave such values to the general path
    if any(v.endswith("\x00") for v in distinct):
        return None
    return {"categories": np.array(distinct, dtype=str),
            "codes": np.asarray(codes, dtype=np.int64)}


def _column_values(data: Any) -> Any:
    """A column stored by :func:`_column_state` (or as a plain list, by older files)."""
    if isinstance(data, dict) and set(data) == {"categories", "codes"}:
        return data["categories"][data["codes"]].tolist()
    return data


def frame_from_state(state: dict[str, Any]) -> Any:
    """The DataFrame :func:`frame_state` described."""
    import pandas as pd

    frame = pd.DataFrame({c: _column_values(state["data"][c]) for c in state["columns"]},
                         columns=state["columns"])
    for c, dtype in state["dtypes"].items():
        if str(frame[c].dtype) != dtype:
            frame[c] = frame[c].astype(dtype)
    frame.attrs.update(state.get("attrs", {}))
    return frame


def _plain(v: Any) -> bool:
    if v is None or isinstance(v, (str, int, float, bool)):
        return True
    if isinstance(v, (list, tuple)):
        return all(_plain(x) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _plain(x) for k, x in v.items())
    return False


# --------------------------------------------------------------------------- plain arrays

#: dtype kinds :func:`loads_arrays` accepts: booleans, integers, floats, text.
_ARRAY_KINDS = "biufU"


def dumps_arrays(arrays: dict[str, Any]) -> bytes:
    """A ``.npz`` of ``arrays`` (name -> numpy array of a kind in "biufU") whose bytes
    depend only on the arrays: members in name order, stored uncompressed (no
    zlib version in the bytes), fixed time stamps and permissions."""
    import io
    import zipfile

    import numpy as np

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for name in sorted(arrays):
            arr = np.asarray(arrays[name])
            if arr.dtype.kind not in _ARRAY_KINDS or arr.dtype.hasobject:
                raise ModelError(f"dumps_arrays: {name!r} has dtype {arr.dtype}; only "
                                 "numbers, booleans and text are stored")
            member = io.BytesIO()
            # (not ascontiguousarray: it makes a 0-d array 1-d)
            arr = arr if arr.flags.c_contiguous else arr.copy(order="C")
            np.lib.format.write_array(member, arr, allow_pickle=False)
            _write_member(out, name + ".npy", member.getvalue(), zipfile.ZIP_STORED)
    return buf.getvalue()


def loads_arrays(data: bytes, *, where: str, path: Any = None) -> dict[str, Any]:
    """The arrays of a ``.npz`` written by :func:`dumps_arrays`, read with
    ``allow_pickle=False`` (a member holding Python objects is refused)."""
    import io

    import numpy as np

    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            out = {name: npz[name] for name in npz.files}
    except Exception as exc:  # noqa: BLE001 - any failure means: not such a file
        raise ModelError(f"{where}: {path} is not an array file ({type(exc).__name__}: "
                         f"{exc}); get the model folder again") from None
    bad = sorted(n for n, a in out.items() if a.dtype.kind not in _ARRAY_KINDS)
    if bad:
        raise ModelError(f"{where}: {path} holds arrays of other types ({', '.join(bad[:3])});"
                         " get the model folder again")
    return out


def _scalar(v: Any) -> bool:
    # exactly what JSON gives back as the same value and type
    return v is None or type(v) in (str, int, float, bool)


def estimator_state(est: Any, prefix: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``est.__getstate__()`` (what pickle and skops save of a scikit-learn
    estimator) as numeric arrays named ``prefix + "." + attribute`` and a JSON-able
    dict: ``{"order": every attribute in order, "scalars": {attribute: value}}``;
    None when it holds anything else (then only skops can save it)."""
    import numpy as np

    arrays: dict[str, Any] = {}
    scalars: dict[str, Any] = {}
    order = []
    for k, v in est.__getstate__().items():
        if type(v) is np.ndarray and v.dtype.kind in "biuf":
            arrays[f"{prefix}.{k}"] = v
        elif _scalar(v):
            scalars[k] = v
        else:
            return None
        order.append(k)
    return arrays, {"order": order, "scalars": scalars}


def estimator_from_state(cls: Any, arrays: dict[str, Any], prefix: str,
                         described: Any) -> Any:
    """The estimator :func:`estimator_state` described, built as skops builds one
    (``cls.__new__`` and ``__setstate__``, no constructor call), of the class
    ``cls`` the caller names (never a class named in a file). A description that
    does not fit the arrays raises :class:`~civictext.errors.ModelError`."""
    where = "estimator_from_state"
    if (not isinstance(described, dict) or not isinstance(described.get("order"), list)
            or not isinstance(described.get("scalars"), dict)):
        raise ModelError(f"{where}: the state of {prefix!r} is not a civictext description")
    scalars = described["scalars"]
    state: dict[str, Any] = {}
    for k in described["order"]:
        if not isinstance(k, str):
            raise ModelError(f"{where}: {prefix!r}: attribute names must be strings")
        if k in scalars:
            if not _scalar(scalars[k]):
                raise ModelError(f"{where}: {prefix}.{k} is not a plain value")
            state[k] = scalars[k]
        elif f"{prefix}.{k}" in arrays:
            state[k] = arrays[f"{prefix}.{k}"]
        else:
            raise ModelError(f"{where}: {prefix}.{k} is missing from the arrays")
    est = cls.__new__(cls)
    est.__setstate__(state)
    return est
