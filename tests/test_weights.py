"""Reading model weights from GGUF files, Hugging Face folders and the cache."""

from __future__ import annotations

import json

import pytest

np = pytest.importorskip("numpy", reason="the deep extra is not installed: pip install '.[deep]'")
gguf = pytest.importorskip("gguf", reason="the deep extra is not installed: pip install '.[deep]'")

from tiny_model import HEADS, LAYERS, hf_tensors, write_gguf, write_hf_folder  # noqa: E402
from unspin.array_cache import KEEP_RECENT  # noqa: E402
from unspin.errors import DataError  # noqa: E402
from unspin.weights import load_model_files, read_hf_folder, read_safetensors  # noqa: E402


@pytest.fixture
def tiny_gguf(tmp_path):
    return write_gguf(tmp_path / "tiny.gguf")


def test_gguf_and_hf_folder_give_the_same_tensors_up_to_the_rope_permutation(tiny_gguf, tmp_path):
    a = load_model_files(tiny_gguf)
    b = load_model_files(write_hf_folder(tmp_path / "hf"))
    assert a.config.n_layers == b.config.n_layers == LAYERS
    assert a.config.rope_interleaved and not b.config.rope_interleaved
    assert a.vocab == b.vocab and a.merges == b.merges
    assert sorted(a.tensors) == sorted(b.tensors)
    np.testing.assert_array_equal(a.tensors["1.v"], b.tensors["1.v"])
    # Q is stored permuted in GGUF: same rows, another order.
    assert not np.array_equal(a.tensors["0.q"], b.tensors["0.q"])
    np.testing.assert_array_equal(np.sort(a.tensors["0.q"], axis=0), np.sort(b.tensors["0.q"], axis=0))
    assert a.tensors["0.q"].shape[0] == HEADS * (a.config.dim // HEADS)


def test_cache_round_trip_and_damaged_cache_is_rebuilt(tiny_gguf, tmp_path):
    cache = tmp_path / "cache"
    fresh = load_model_files(tiny_gguf, cache)
    [cached_file] = cache.glob("model-*.npz")
    again = load_model_files(tiny_gguf, cache)
    assert again.config == fresh.config and again.vocab == fresh.vocab
    # Exactly: a first run (from the model file) and later ones (from the cache) score alike.
    assert sorted(again.tensors) == sorted(fresh.tensors)
    for name, tensor in fresh.tensors.items():
        np.testing.assert_array_equal(again.tensors[name], tensor)
    cached_file.write_bytes(b"not a zip file")
    rebuilt = load_model_files(tiny_gguf, cache)
    np.testing.assert_array_equal(rebuilt.tensors["embed"], fresh.tensors["embed"])
    assert cached_file.stat().st_size > 1000


def test_a_changed_model_file_gets_a_new_cache_entry(tiny_gguf, tmp_path):
    cache = tmp_path / "cache"
    load_model_files(tiny_gguf, cache)
    write_gguf(tiny_gguf, seed=1)
    other = load_model_files(tiny_gguf, cache)
    assert len(list(cache.glob("model-*.npz"))) == 2
    np.testing.assert_array_equal(other.tensors["norm"], load_model_files(tiny_gguf).tensors["norm"])


def test_copies_of_one_model_share_a_cache_entry_and_old_versions_are_bounded(tiny_gguf, tmp_path):
    cache = tmp_path / "cache"
    load_model_files(tiny_gguf, cache)
    # Another environment's copy of the same wheel: another path and modification time, same bytes.
    copy = tmp_path / "elsewhere" / "tiny.gguf"
    copy.parent.mkdir()
    copy.write_bytes(tiny_gguf.read_bytes())
    load_model_files(copy, cache)
    assert len(list(cache.glob("model-*.npz"))) == 1
    # Each digest is remembered by path, size and time, so a load does not hash the file again.
    digests = json.loads((cache / "model-digests.json").read_text())
    assert sorted(digests) == sorted(str(p.resolve()) for p in (tiny_gguf, copy))
    assert len({d[2] for d in digests.values()}) == 1
    # Another model whose name extends this one's keeps its own entry.
    load_model_files(write_gguf(tmp_path / "tiny-2.gguf", seed=9), cache)
    for seed in (1, 2, 3, 4):
        write_gguf(tiny_gguf, seed=seed)
        load_model_files(tiny_gguf, cache)
    latest = load_model_files(tiny_gguf, cache)
    assert len(list(cache.glob("model-v*-tiny-2-*.npz"))) == 1
    assert len(list(cache.glob("model-*.npz"))) == KEEP_RECENT + 1
    np.testing.assert_array_equal(latest.tensors["norm"], load_model_files(tiny_gguf).tensors["norm"])


def test_missing_damaged_and_unsupported_models_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="model not found"):
        load_model_files(tmp_path / "nothing.gguf")
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"\x00" * 64)
    with pytest.raises(DataError, match="not a readable GGUF"):
        load_model_files(junk)
    with pytest.raises(DataError, match="architecture 'gemma3' is not supported"):
        load_model_files(write_gguf(tmp_path / "g.gguf", arch="gemma3"))
    folder = write_hf_folder(tmp_path / "hf")
    cfg = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(cfg | {"model_type": "gpt_neox"}))
    with pytest.raises(DataError, match="model_type 'gpt_neox'"):
        read_hf_folder(folder)
    (folder / "config.json").unlink()
    with pytest.raises(DataError, match="not a Hugging Face model folder"):
        read_hf_folder(folder)


def test_safetensors_bfloat16_is_widened_exactly(tmp_path):
    import struct

    values = np.array([1.0, -2.5, 3.140625], dtype=np.float32)
    bf16 = (values.view(np.uint32) >> 16).astype(np.uint16)
    header = json.dumps({"x": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]}}).encode()
    path = tmp_path / "w.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + bf16.tobytes())
    np.testing.assert_array_equal(read_safetensors(path)["x"], values)


def test_the_tiny_model_helper_is_deterministic():
    a, b = hf_tensors(0), hf_tensors(0)
    assert all(np.array_equal(a[k], b[k]) for k in a)
