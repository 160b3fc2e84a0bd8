"""A tiny random Llama model written as a GGUF file and as a Hugging Face folder, for tests.

Both hold the same network: the GGUF copy stores Q and K permuted for
rotary embedding on adjacent pairs, as llama.cpp's converter does, so the
two load paths agree only if the transformer undoes that correctly.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from unspin.bpe import byte_alphabet

DIM, HEADS, KV_HEADS, FFN, LAYERS = 16, 4, 2, 24, 2
MERGES = ["Ġ t", "h e", "Ġt he", "Ġ s"]


def vocabulary() -> list[str]:
    return [*byte_alphabet(), "Ġt", "he", "Ġthe", "Ġs", "<|endoftext|>"]


def hf_tensors(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    vocab = len(vocabulary())
    hd = DIM // HEADS

    def w(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.3).astype(np.float32)

    t = {"model.embed_tokens.weight": w(vocab, DIM), "model.norm.weight": 1 + w(DIM)}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        t |= {p + "input_layernorm.weight": 1 + w(DIM), p + "post_attention_layernorm.weight": 1 + w(DIM),
              p + "self_attn.q_proj.weight": w(HEADS * hd, DIM),
              p + "self_attn.k_proj.weight": w(KV_HEADS * hd, DIM),
              p + "self_attn.v_proj.weight": w(KV_HEADS * hd, DIM),
              p + "self_attn.o_proj.weight": w(DIM, DIM),
              p + "mlp.gate_proj.weight": w(FFN, DIM), p + "mlp.up_proj.weight": w(FFN, DIM),
              p + "mlp.down_proj.weight": w(DIM, FFN)}
    return t


def write_hf_folder(folder: Path, seed: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    vocab = vocabulary()
    (folder / "config.json").write_text(json.dumps({
        "model_type": "llama", "num_hidden_layers": LAYERS, "hidden_size": DIM,
        "num_attention_heads": HEADS, "num_key_value_heads": KV_HEADS, "intermediate_size": FFN,
        "rope_theta": 10000.0, "rms_norm_eps": 1e-5, "bos_token_id": vocab.index("<|endoftext|>")}))
    (folder / "tokenizer.json").write_text(json.dumps({
        "model": {"type": "BPE", "vocab": {p: i for i, p in enumerate(vocab)}, "merges": MERGES}}))
    tensors = hf_tensors(seed)
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        data = array.tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode()
    (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))
    return folder


def _permute(w: np.ndarray, heads: int) -> np.ndarray:
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write_gguf(path: Path, seed: int = 0, arch: str = "llama") -> Path:
    import gguf

    vocab = vocabulary()
    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_name("tiny-test-llama")
    writer.add_block_count(LAYERS)
    writer.add_context_length(64)
    writer.add_embedding_length(DIM)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list(vocab)
    writer.add_token_merges(MERGES)
    writer.add_bos_token_id(0)
    names = {"input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
             "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
             "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
             "mlp.down_proj": "ffn_down"}
    for key, array in hf_tensors(seed).items():
        key = key.removeprefix("model.").removesuffix(".weight")
        if key == "embed_tokens":
            name = "token_embd"
        elif key == "norm":
            name = "output_norm"
        else:
            _, layer, rest = key.split(".", 2)
            name = f"blk.{layer}.{names[rest]}"
            if rest == "self_attn.q_proj":
                array = _permute(array, HEADS)
            elif rest == "self_attn.k_proj":
                array = _permute(array, KV_HEADS)
        writer.add_tensor(f"{name}.weight", np.ascontiguousarray(array))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
