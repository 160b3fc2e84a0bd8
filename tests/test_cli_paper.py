"""The ``unspin paper`` command: one paper to the terminal, JSON or HTML; many to JSONL."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from unspin.cli import main

PAPER = ("We apply counterfeit consciousness to satellite images and compare convolutional "
         "neural organizations with an irregular woodland.\n")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_one_paper_as_json_and_html(tmp_path: Path):
    src = tmp_path / "a.txt"
    src.write_text(PAPER, encoding="utf-8")
    html = tmp_path / "r.html"
    result = run("paper", str(src), "--json", "--no-model", "--html", str(html))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["risk"] == "high"
    assert [s["original"] for s in data["spans"]] == [
        "artificial intelligence", "convolutional neural networks", "random forest"]
    assert all(PAPER[s["start"]:s["end"]] == s["text"] for s in data["spans"])
    assert "random forest" in html.read_text(encoding="utf-8")


def test_one_paper_to_the_terminal(tmp_path: Path):
    src = tmp_path / "a.md"
    src.write_text(PAPER, encoding="utf-8")
    result = run("paper", str(src), "--no-model")
    assert result.exit_code == 0
    assert "RISK HIGH" in result.stdout and "irregular woodland" in result.stdout
    assert "Problematic Paper Screener" in result.stdout


def test_a_folder_goes_on_past_a_bad_file(tmp_path: Path):
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "good.txt").write_text(PAPER, encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "notes.docx").write_bytes(b"ignored: not a paper type")
    out = tmp_path / "r.jsonl"
    result = run("paper", str(folder), "--out", str(out), "--no-model")
    assert result.exit_code == 0, result.output
    records = {Path(r["name"]).name: r for r in map(json.loads, out.read_text().splitlines())}
    assert set(records) == {"good.txt", "broken.pdf", "empty.txt"}
    assert records["good.txt"]["risk"] == "high"
    assert (records["broken.pdf"]["error"], records["empty.txt"]["error"]) == ("bad_input", "empty_input")
    assert "3 papers: 1 high, 0 medium, 0 low risk, 2 unreadable" in result.stderr


def test_many_papers_need_out_and_a_custom_list_adds_to_the_builtin(tmp_path: Path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(PAPER, encoding="utf-8")
    b.write_text("A gauge of warmth was taken by counterfeit consciousness.", encoding="utf-8")
    result = run("paper", str(a), str(b))
    assert result.exit_code == 2 and "--out" in result.output
    mine = tmp_path / "mine.csv"
    mine.write_text("gauge of warmth,measure of heat\n", encoding="utf-8")
    data = json.loads(run("paper", str(b), "--json", "--no-model", "--list", str(mine)).stdout)
    assert [s["original"] for s in data["spans"]] == ["measure of heat", "artificial intelligence"]
    assert [p["name"] for p in data["list"]["parts"]][1:] == [str(mine)]
    assert data["list"]["entries"] == data["list"]["parts"][0]["entries"] + 1
    only = run("paper", str(b), "--json", "--no-model", "--list", str(mine), "--only-lists")
    only = json.loads(only.stdout)
    assert [s["original"] for s in only["spans"]] == ["measure of heat"]
    assert only["list"]["name"] == str(mine)
    assert run("paper", str(b), "--only-lists").exit_code == 2


def test_an_empty_folder_is_a_clean_error(tmp_path: Path):
    result = run("paper", str(tmp_path))
    assert result.exit_code == 2 and "no .pdf" in result.output


def test_the_bundled_example_reads_as_high_risk():
    example = Path(__file__).resolve().parents[1] / "examples" / "tortured_abstract.txt"
    data = json.loads(run("paper", str(example), "--json", "--no-model").stdout)
    assert data["risk"] == "high"
    assert {"random forest", "test set", "artificial intelligence"} <= {s["original"] for s in data["spans"]}
