"""The cache's folders of arrays: saved whole, loaded memory-mapped, stale entries dropped."""

from __future__ import annotations

import os

import numpy as np

from unspin.array_cache import KEEP_RECENT, drop_older, keep_recent, load_or_build


def _entries(folder):
    return sorted(p.name for p in folder.iterdir())


def test_an_older_format_is_dropped_and_a_newer_one_kept(tmp_path):
    for name in ("kind-v1-a", "kind-v3-b", "kind-v2-other", "otherkind-v1-a"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "x.npy").write_bytes(b"x")
    arrays = load_or_build(tmp_path / "kind-v2-new", ("x",), lambda: {"x": np.arange(3)})
    assert arrays["x"].tolist() == [0, 1, 2]
    # v1 was an older format; v2-other is this format from other inputs; v3 is a newer unspin's.
    assert _entries(tmp_path) == ["kind-v2-new", "kind-v2-other", "kind-v3-b", "otherkind-v1-a"]


def test_files_of_this_version_from_other_inputs_go_too_when_asked_but_not_their_journals(tmp_path):
    names = ["lexicon-v3-old.sqlite", "lexicon-v4-stale.sqlite", "lexicon-v4-keep.sqlite",
             "lexicon-v4-keep.sqlite-journal", "lexicon-v5-new.sqlite", "tmp123.tmp"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    drop_older(tmp_path / "lexicon-v4-keep.sqlite", "lexicon", same_version=True)
    assert _entries(tmp_path) == ["lexicon-v4-keep.sqlite", "lexicon-v4-keep.sqlite-journal",
                                  "lexicon-v5-new.sqlite", "tmp123.tmp"]


def test_names_of_no_version_are_left_alone(tmp_path):
    (tmp_path / "kind-vX-a").mkdir()
    (tmp_path / "kind-v1-b").mkdir()
    drop_older(tmp_path / "kind-vnone", "kind")  # keep has no version: nothing is judged older
    drop_older(tmp_path / "kind-v2-c", "kind")
    assert _entries(tmp_path) == ["kind-vX-a"]


def _aged(folder, name, seconds_ago):
    (folder / name).mkdir()
    np.save(folder / name / "x.npy", np.arange(1))
    t = os.stat(folder).st_mtime - seconds_ago
    os.utime(folder / name, (t, t))


def test_of_one_version_only_the_most_recently_used_entries_stay(tmp_path):
    for k in range(5):
        _aged(tmp_path, f"kind-v2-old{k}", 1000 * (k + 1))
    _aged(tmp_path, "kind-v3-newer", 9000)
    # Loading an entry marks it used, so it outlives the ones nobody read.
    load_or_build(tmp_path / "kind-v2-old4", ("x",), lambda: {"x": np.arange(1)})
    load_or_build(tmp_path / "kind-v2-built", ("x",), lambda: {"x": np.arange(2)})
    assert KEEP_RECENT == 3
    assert _entries(tmp_path) == ["kind-v2-built", "kind-v2-old0", "kind-v2-old4", "kind-v3-newer"]


def test_keep_recent_leaves_the_given_entry_and_other_names_alone(tmp_path):
    for name in ("model-v1-a-1.npz", "model-v1-a-2.npz", "model-v1-b-1.npz", ".model-v1-a-tmp.npz"):
        (tmp_path / name).write_bytes(b"x")
    keep_recent(tmp_path / "model-v1-a-1.npz", "model-v1-a-*.npz", keep=1)
    assert _entries(tmp_path) == [".model-v1-a-tmp.npz", "model-v1-a-1.npz", "model-v1-b-1.npz"]


def test_an_entry_missing_some_arrays_is_built_again(tmp_path):
    # A folder of this version written with another set of arrays (or cut short) must not block
    # the build: it used to leave load_or_build with nothing to return.
    folder = tmp_path / "kind-v2-a"
    load_or_build(folder, ("x",), lambda: {"x": np.arange(2)})
    arrays = load_or_build(folder, ("x", "y"), lambda: {"x": np.arange(3), "y": np.ones(1)})
    assert arrays["x"].tolist() == [0, 1, 2] and arrays["y"].tolist() == [1.0]
    assert _entries(tmp_path) == ["kind-v2-a"]


def test_an_entry_with_a_damaged_file_is_built_again(tmp_path):
    # A file cut short (a full disk, a copy interrupted) must cost a rebuild, not a traceback.
    folder = tmp_path / "kind-v2-a"
    load_or_build(folder, ("x",), lambda: {"x": np.arange(1000)})
    with open(folder / "x.npy", "r+b") as f:
        f.truncate(200)
    arrays = load_or_build(folder, ("x",), lambda: {"x": np.arange(1000)})
    assert arrays["x"].tolist() == list(range(1000))


def test_a_cache_that_cannot_be_written_or_replaced_still_gives_the_arrays(tmp_path, monkeypatch):
    import unspin.array_cache as array_cache

    def refuse(folder, arrays):
        raise PermissionError("read-only")

    with monkeypatch.context() as m:
        m.setattr(array_cache, "save_arrays", refuse)
        arrays = load_or_build(tmp_path / "kind-v2-a", ("x",), lambda: {"x": np.arange(4)})
    assert arrays["x"].tolist() == [0, 1, 2, 3] and _entries(tmp_path) == []
    # A damaged entry that cannot be deleted (in use elsewhere) blocks the new one's rename.
    folder = tmp_path / "kind-v2-b"
    load_or_build(folder, ("x",), lambda: {"x": np.arange(1000)})
    with open(folder / "x.npy", "r+b") as f:
        f.truncate(200)
    monkeypatch.setattr(array_cache, "_delete", lambda entry: None)
    arrays = load_or_build(folder, ("x",), lambda: {"x": np.arange(1000)})
    assert arrays["x"].tolist() == list(range(1000))
