"""Reading a causal language model's weights and tokenizer from a GGUF file or a Hugging Face folder.

Both end as one :class:`ModelFiles`: a small config, the BPE vocabulary and
merges, and the tensors under one naming scheme, so the transformer code
never sees where they came from. Dequantising a GGUF file and parsing its
vocabulary takes seconds, so the result is cached as one ``.npz`` in the
user cache directory, keyed by the files' contents: the same model wheel
installed in several environments shares one entry.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import struct
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .array_cache import keep_recent, touch
from .errors import DataError, MissingDependencyError

#: Bumped when the cached layout changes, so an old cache is never misread.
CACHE_FORMAT = 1


@dataclass(frozen=True)
class ModelConfig:
    """What the transformer needs to know about the model's shape."""

    name: str
    n_layers: int
    dim: int
    n_heads: int
    n_kv_heads: int
    ffn_dim: int
    rope_base: float
    norm_eps: float
    bos_id: int
    #: GGUF llama files store Q and K permuted for rotary embedding on adjacent pairs.
    rope_interleaved: bool


@dataclass
class ModelFiles:
    """A loaded model: config, tokenizer tables and float tensors by canonical name.

    Canonical names: ``embed``, ``norm``, ``head`` (absent when tied to
    ``embed``) and ``{layer}.{attn_norm,q,k,v,o,ffn_norm,gate,up,down}``.
    """

    config: ModelConfig
    vocab: list[str]
    merges: list[str]
    tensors: dict[str, np.ndarray]
    #: The name of the model's cache entry, which fingerprints its files' contents ("" uncached):
    #: caches made from the model key on it.
    cache_key: str = ""


_GGUF_LAYER = {"attn_norm": "attn_norm", "attn_q": "q", "attn_k": "k", "attn_v": "v", "attn_output": "o",
               "ffn_norm": "ffn_norm", "ffn_gate": "gate", "ffn_up": "up", "ffn_down": "down"}
_HF_LAYER = {"input_layernorm": "attn_norm", "self_attn.q_proj": "q", "self_attn.k_proj": "k",
             "self_attn.v_proj": "v", "self_attn.o_proj": "o", "post_attention_layernorm": "ffn_norm",
             "mlp.gate_proj": "gate", "mlp.up_proj": "up", "mlp.down_proj": "down"}


def load_model_files(path: str | os.PathLike[str], cache_dir: Path | None = None, *,
                     tensors: bool = True) -> ModelFiles:
    """Read a GGUF file or a Hugging Face model folder (Llama architecture), through the cache.

    With ``tensors`` False a cached model comes without its tensors (its
    config and tokenizer only, for a caller that keeps the weights in a form
    of its own); one not cached yet is read whole.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"model not found: {path}; give a .gguf file or a Hugging Face model folder")
    cached = _cache_path(path, cache_dir) if cache_dir is not None else None
    if cached is not None and cached.exists():
        try:
            files = _read_cache(cached, tensors)
        except (OSError, ValueError, KeyError):
            cached.unlink(missing_ok=True)  # a damaged cache is rebuilt, not trusted
        else:
            touch(cached)
            return files
    files = _as_cached(read_hf_folder(path) if path.is_dir() else read_gguf(path))
    if cached is not None:
        _write_cache(files, cached)
        files.cache_key = cached.stem
        # Earlier versions of this model (an upgraded wheel, an edited folder) are hundreds of MB each.
        # The digest's 12 hex digits in full, so that a model whose name extends this one's is not matched.
        keep_recent(cached, f"model-v{CACHE_FORMAT}-{glob.escape(path.stem)}-{'[0-9a-f]' * 12}.npz")
    return files


def _as_cached(files: ModelFiles) -> ModelFiles:
    """The weights rounded in place as the cache stores them (float16), so a run that reads the
    model file scores exactly as every later run that reads the cache (unrounded, first runs
    differed in the last digits of their confidences). In place: a copy would double the peak."""
    for tensor in files.tensors.values():
        tensor[...] = tensor.astype(np.float16)
    return files


def read_gguf(path: Path) -> ModelFiles:
    """Dequantise a llama-architecture GGUF file."""
    try:
        import gguf
    except ImportError as exc:
        raise MissingDependencyError("reading GGUF models", '"unspin[deep]"') from exc
    try:
        reader = gguf.GGUFReader(path)
    except Exception as exc:  # the reader raises bare ValueError/struct errors on damaged files
        raise DataError(f"{path} is not a readable GGUF file ({exc}); download or copy it again") from exc

    def field(key: str, default: object = None) -> object:
        f = reader.fields.get(key)
        return default if f is None else f.contents()

    arch = field("general.architecture")
    if arch != "llama":
        raise DataError(f"{path.name}: architecture {arch!r} is not supported; "
                        "unspin's deep scorer runs llama-architecture models such as SmolLM2")
    if field("tokenizer.ggml.model") != "gpt2":
        raise DataError(f"{path.name}: only byte-level BPE (gpt2-style) tokenizers are supported")
    heads = int(field("llama.attention.head_count"))
    config = ModelConfig(
        name=str(field("general.name") or path.stem),
        n_layers=int(field("llama.block_count")),
        dim=int(field("llama.embedding_length")),
        n_heads=heads,
        n_kv_heads=int(field("llama.attention.head_count_kv", heads)),
        ffn_dim=int(field("llama.feed_forward_length")),
        rope_base=float(field("llama.rope.freq_base", 10000.0)),
        norm_eps=float(field("llama.attention.layer_norm_rms_epsilon", 1e-5)),
        bos_id=int(field("tokenizer.ggml.bos_token_id", 0)),
        rope_interleaved=True,
    )
    top = {"token_embd": "embed", "output_norm": "norm", "output": "head"}
    tensors = {}
    for t in reader.tensors:
        name = _canonical(t.name.removesuffix(".weight"), "blk.", top, _GGUF_LAYER)
        if name is not None:
            tensors[name] = np.array(gguf.quants.dequantize(t.data, t.tensor_type), dtype=np.float32)
    vocab, merges = list(field("tokenizer.ggml.tokens")), list(field("tokenizer.ggml.merges"))
    return ModelFiles(config, vocab, merges, tensors)


def read_hf_folder(path: Path) -> ModelFiles:
    """Read a Hugging Face folder: config.json, tokenizer.json and *.safetensors (Llama models)."""
    try:
        cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
        tok = json.loads((path / "tokenizer.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path} is not a Hugging Face model folder with config.json and tokenizer.json "
                        f"({exc})") from exc
    if cfg.get("model_type") != "llama":
        raise DataError(f"{path}: model_type {cfg.get('model_type')!r} is not supported; "
                        "unspin's deep scorer runs llama-architecture models such as SmolLM2")
    model = tok.get("model", {})
    if model.get("type") != "BPE":
        raise DataError(f"{path}: only byte-level BPE tokenizers are supported")
    vocab_map: dict[str, int] = dict(model["vocab"])
    for added in tok.get("added_tokens", []):
        vocab_map.setdefault(added["content"], added["id"])
    vocab = [""] * (max(vocab_map.values()) + 1)
    for piece, i in vocab_map.items():
        vocab[i] = piece
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])]
    heads = int(cfg["num_attention_heads"])
    config = ModelConfig(
        name=str(cfg.get("_name_or_path") or path.name),
        n_layers=int(cfg["num_hidden_layers"]),
        dim=int(cfg["hidden_size"]),
        n_heads=heads,
        n_kv_heads=int(cfg.get("num_key_value_heads", heads)),
        ffn_dim=int(cfg["intermediate_size"]),
        rope_base=float(cfg.get("rope_theta", 10000.0)),
        norm_eps=float(cfg.get("rms_norm_eps", 1e-5)),
        bos_id=int(cfg.get("bos_token_id") or 0),
        rope_interleaved=False,
    )
    tensors = {}
    shards = sorted(path.glob("*.safetensors"))
    if not shards:
        raise DataError(f"{path}: no .safetensors weights found")
    for shard in shards:
        for key, array in read_safetensors(shard).items():
            name = _canonical(key.removeprefix("model.").removesuffix(".weight"), "layers.",
                              {"embed_tokens": "embed", "norm": "norm", "lm_head": "head"}, _HF_LAYER)
            if name is not None:
                tensors[name] = array
    return ModelFiles(config, vocab, merges, tensors)


def _canonical(name: str, layer_prefix: str, top: dict[str, str], per_layer: dict[str, str]) -> str | None:
    if name in top:
        return top[name]
    if name.startswith(layer_prefix):
        layer, _, rest = name[len(layer_prefix):].partition(".")
        if rest in per_layer:
            return f"{int(layer)}.{per_layer[rest]}"
    return None


_SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of one .safetensors file as float32 arrays (the format is a JSON header and raw data)."""
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
        data = f.read()
    out = {}
    for key, meta in header.items():
        if key == "__metadata__":
            continue
        dtype = _SAFETENSORS_DTYPES.get(meta["dtype"])
        if dtype is None:
            raise DataError(f"{path.name}: tensor {key} has unsupported dtype {meta['dtype']}")
        lo, hi = meta["data_offsets"]
        raw = np.frombuffer(data[lo:hi], dtype=dtype)
        if meta["dtype"] == "BF16":
            raw = (raw.astype(np.uint32) << 16).view(np.float32)
        out[key] = raw.astype(np.float32).reshape(meta["shape"])
    return out


def _cache_path(path: Path, cache_dir: Path) -> Path:
    """The cache entry of a model file or folder, named for the digest of its files' contents."""
    files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())
    known = _read_digests(cache_dir)
    before = dict(known)
    key = hashlib.sha256()
    for p in files:
        key.update(f"{p.name}|{_content_digest(p, known)}\n".encode())
    if known != before:
        _write_digests(cache_dir, known)
    return cache_dir / f"model-v{CACHE_FORMAT}-{path.stem}-{key.hexdigest()[:12]}.npz"


#: Where each model file's content digest is remembered by path, size and modification time.
_DIGESTS = "model-digests.json"


def _content_digest(p: Path, known: dict[str, list]) -> str:
    """SHA-256 of a file, looked up in ``known`` by path, size and modification time, else hashed
    and added there: hashing the default model takes 80 ms, a large Hugging Face folder seconds,
    and the digest is asked at every load."""
    st = p.stat()
    stamp = [st.st_size, st.st_mtime_ns]
    name = str(p.resolve())
    entry = known.get(name)
    if entry is not None and entry[:2] == stamp:
        return entry[2]
    with open(p, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    known[name] = [*stamp, digest]
    return digest


def _write_digests(cache_dir: Path, known: dict[str, list]) -> None:
    # Paths that no longer exist (removed environments) are forgotten as new ones are added.
    kept = {k: v for k, v in known.items() if os.path.exists(k)}
    target = cache_dir / _DIGESTS
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(kept), encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)  # unremembered, a file is only hashed again next time


def _read_digests(cache_dir: Path) -> dict[str, list]:
    try:
        known = json.loads((cache_dir / _DIGESTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


def _write_cache(files: ModelFiles, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # Hidden, so that another process pruning old entries never takes it for one.
    tmp = target.with_name(f".{target.stem}.tmp{os.getpid()}.npz")
    meta = json.dumps({"config": asdict(files.config), "vocab": files.vocab, "merges": files.merges})
    # float16 halves the file; the model computes in float32 and the rounding is far below its noise.
    arrays = {f"t:{k}": v.astype(np.float16) for k, v in files.tensors.items()}
    try:
        np.savez(tmp, meta=np.frombuffer(meta.encode("utf-8"), dtype=np.uint8), **arrays)
        os.replace(tmp, target)  # readers never see a half-written cache
    except OSError:
        tmp.unlink(missing_ok=True)  # no cache is only slower, never wrong


def _read_cache(path: Path, tensors: bool = True) -> ModelFiles:
    with np.load(path, allow_pickle=False) as z:
        # An npz reads each array on demand: without tensors only the small meta array is read.
        meta = json.loads(z["meta"].tobytes().decode("utf-8"))
        # Kept in float16: the transformer converts each tensor to its own precision once, and a
        # float32 copy on the way took 0.4 s and twice the memory of every deep-mode start.
        arrays = {k[2:]: z[k] for k in z.files if k.startswith("t:")} if tensors else {}
    return ModelFiles(ModelConfig(**meta["config"]), meta["vocab"], meta["merges"], arrays, path.stem)
