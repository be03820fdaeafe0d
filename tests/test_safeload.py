"""Model files: tables stored as arrays (not one schema entry per value), read back
exactly; tables in the older list layout still load."""
import numpy as np
import pandas as pd
import skops.io as sio

from civictext import _safeload


def _frame(n: int) -> pd.DataFrame:
    ids = [f"{i:032x}" for i in range(n)]
    return pd.DataFrame({
        "doc_id": pd.array(np.repeat(ids, 3), dtype="str"),
        "topic": np.tile(np.arange(3), n),
        "weight": np.random.default_rng(0).random(3 * n),
    })


def test_tables_round_trip_every_dtype():
    df = pd.DataFrame({"doc_id": pd.array(["a", "b", "a"], dtype="str"), "topic": [0, 1, 2],
                       "w": [0.1, np.nan, 1e-300], "flag": [True, False, True],
                       "lab": ["x", None, "y"], "o": pd.Series([1, "a", None], dtype=object),
                       "vi": pd.array(["cải cách", "", "hành chính"], dtype="str")})
    data = sio.dumps(_safeload.frame_state(df))
    assert sio.get_untrusted_types(data=data) == []
    back = _safeload.frame_from_state(sio.loads(data, trusted=[]))
    pd.testing.assert_frame_equal(back, df)


def test_older_list_layout_still_loads():
    df = _frame(4)
    state = _safeload.frame_state(df)
    state["data"] = {c: df[c].tolist() for c in df.columns}  # what files before 0.3.x hold
    back = _safeload.frame_from_state(sio.loads(sio.dumps(state), trusted=[]))
    pd.testing.assert_frame_equal(back, df)


def test_table_size_is_its_bytes_not_a_schema_entry_per_value():
    # one schema entry per value made 188 MB for the doc_topics of 20,000 documents
    data = sio.dumps(_safeload.frame_state(_frame(2000)))
    # 3 arrays of 6,000 int64/float64 values, 2,000 distinct 32-character ids (UTF-32)
    assert len(data) < 6000 * 3 * 8 + 2000 * 32 * 4 + 50_000


def test_string_columns_are_coded_as_np_unique_codes_them():
    # the distinct values are coded without a fixed-width copy of every row; the
    # arrays (so the file's bytes) are np.unique's: code-point order, width of the longest
    vals = ["b", "", "ă", "B", "a", "😀", "ă", "đ-1", "a b", "\uffff", "b", "zz"]
    for storage in ("pyarrow", "python"):
        col = pd.Series(pd.array(vals * 3, dtype=pd.StringDtype(storage, na_value=np.nan)))
        state = _safeload._column_state(col)
        cats, codes = np.unique(np.array(col.tolist(), dtype=str), return_inverse=True)
        assert state["categories"].dtype == cats.dtype
        assert state["categories"].tobytes() == cats.tobytes()
        assert state["codes"].dtype == np.int64 and np.array_equal(state["codes"], codes)
    # a trailing NUL (which numpy's str arrays drop) takes the general path
    col = pd.Series(pd.array(["a", "a\x00", "b"], dtype="str"))
    assert _safeload._string_codes(col) is None
    assert list(_safeload._column_state(col)["codes"]) == [0, 0, 1]


def test_dump_streams_the_same_bytes_as_dumps_and_leaves_no_temporary_file(tmp_path):
    # dump rewrites skops' zip from a temporary file member by member; the file must be
    # the canonical bytes dumps gives (sets sorted, ids renumbered, fixed time stamps)
    import scipy.sparse as sp

    obj = {"table": _safeload.frame_state(_frame(50)), "tags": {"b", "a", "c"},
           "m": sp.random(30, 40, density=0.1, random_state=0, format="csr"),
           "w": np.random.default_rng(1).random((20, 3))}
    path = _safeload.dump(obj, tmp_path / "sub" / "model.skops")
    assert path.read_bytes() == _safeload.dumps(obj)
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.skops"]
    back = _safeload.load(path, where="test", trusted_types=["scipy.sparse._csr.csr_matrix"])
    assert back["tags"] == {"a", "b", "c"}
    assert (back["m"] != obj["m"]).nnz == 0


def test_dump_writes_skops_zip_to_the_file_not_a_whole_buffer(tmp_path, monkeypatch):
    """dump writes skops' members straight into its temporary file (skops.io.dump
    builds the whole zip in memory first, then copies it): the same canonical bytes
    as dumps without calling skops.io.dump, and saving a 20 MB array traces less
    than twice the array (skops.io.dump: the array's own buffer and the zip's, 2.0x)."""
    import tracemalloc

    sio = _safeload._skops()
    arr = np.arange(2_500_000, dtype=np.float64)
    obj = {"w": arr, "tags": {"b", "a"}, "table": _safeload.frame_state(_frame(20))}
    want = _safeload.dumps(obj)

    def no_dump(*a, **k):
        raise AssertionError("skops.io.dump builds the zip in memory")

    monkeypatch.setattr(sio, "dump", no_dump)
    _safeload.dump({"w": arr[:10]}, tmp_path / "warm.skops")  # imports, caches
    tracemalloc.start()
    try:
        path = _safeload.dump(obj, tmp_path / "model.skops")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert path.read_bytes() == want
    assert peak < 1.9 * arr.nbytes, peak / arr.nbytes
