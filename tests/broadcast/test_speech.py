"""The speech engine as we drive it: pieces, rate, the child, the pronunciation list's readings."""

from __future__ import annotations

import csv
import subprocess
import wave
from pathlib import Path

import pytest

from broadcast.audio import speech
from broadcast.settings import get_broadcast_settings
from broadcast.speakable import speakable, spoken_length
from broadcast.speakable.pronounce import reading_problem

DEMO_LIST = Path(__file__).resolve().parents[2] / "broadcast" / "demo" / "pronunciations.csv"


def test_long_text_is_split_at_sentence_ends_then_at_clauses() -> None:
    text = "第一句。第二句很长，" + "字" * 30 + "，还有一段；第三句！"
    pieces = speech.split_pieces(text, 20)
    assert "".join(pieces) == text
    assert all(len(p) <= 20 for p in pieces)
    assert pieces[0] == "第一句。第二句很长，"
    # Nothing is lost when a stretch has no punctuation at all.
    assert "".join(speech.split_pieces("字" * 45, 20)) == "字" * 45
    assert speech.split_pieces("。，。", 20) == []


def test_the_engine_rate_follows_the_measured_table() -> None:
    assert speech.espeak_rate(200) == 168  # between 170 (202.1) and 160 (189.0)
    assert speech.espeak_rate(100) < speech.espeak_rate(200) < speech.espeak_rate(300)
    for cpm, rate in speech.RATE_TABLE:
        assert abs(speech.espeak_rate(round(cpm)) - rate) <= 1


def _phonemes(text: str) -> str:
    done = subprocess.run(
        ["espeak-ng", "-v", "cmn-latn-pinyin", "-q", "-x", text],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.replace("\n", " ").strip()


def _demo_list() -> list[dict[str, str]]:
    with DEMO_LIST.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("entry", _demo_list(), ids=lambda e: e["term"])
def test_every_seeded_reading_is_said_in_mandarin(entry: dict[str, str]) -> None:
    assert reading_problem(entry["reading"]) is None
    said = _phonemes(entry["reading"])
    assert "(en)" not in said, said  # read as pinyin, not spelt out as English
    assert len(said.split("_|")) - 1 == len(entry["reading"].split()), said


def test_the_readings_fix_what_the_engine_gets_wrong() -> None:
    fixed = {e["term"]: e["reading"] for e in _demo_list() if e["note"].startswith("多音字")}
    assert {"银行", "重新", "县长", "给予"} <= set(fixed)
    for term in ("银行", "重新", "还款", "县长", "给予", "处理", "会计"):
        assert _phonemes(term) != _phonemes(fixed[term]), term


async def test_the_child_says_every_piece_of_a_long_text(tmp_path: Path) -> None:
    sentences = [f"第{n}条，请各户于本月{n}日前到村委会登记。" for n in range(1, 26)]
    text = speakable("".join(sentences))
    settings = get_broadcast_settings()
    seen: list[int] = []

    async def progress(done: int, total: int) -> None:
        seen.append(done)

    path, seconds = await speech.synthesise(
        text, cpm=200, workdir=tmp_path, settings=settings, progress=progress
    )
    pieces = speech.split_pieces(text, settings.max_piece_chars)
    assert seen == list(range(1, len(pieces) + 1))
    expected = spoken_length(text) * 60 / 200
    assert 0.75 * expected <= seconds <= 1.35 * expected, (seconds, expected)
    assert path.name == "speech.wav"
    assert sorted(p.name for p in _files(tmp_path)) == ["speech.wav"]  # the pieces are gone


def _files(directory: Path) -> list[Path]:
    return list(directory.iterdir())


async def test_every_real_piece_lasts_what_espeak_ngs_command_line_says(tmp_path: Path) -> None:
    # Short pieces, so the text is several of them.
    settings = get_broadcast_settings().model_copy(update={"max_piece_chars": 20})
    text = speakable("根据蒙政办〔2026〕12号文件，自2026年3月1日起，低保标准提高到每人每月810元。")
    texts = speech.split_pieces(text, settings.max_piece_chars)
    assert len(texts) > 1
    references = await speech.reference_seconds(texts, 200, settings)
    assert all(r is not None and r > 0.5 for r in references), references
    _, seconds = await speech.synthesise(text, cpm=200, workdir=tmp_path, settings=settings)
    # The joined speech is the pieces espeak-ng says, give or take the checks' tolerance.
    total = sum(r for r in references if r is not None)
    assert abs(seconds - total) <= total * speech.REFERENCE_TOLERANCE + len(texts) * 0.2


def test_a_piece_shorter_than_espeak_ng_says_is_refused(tmp_path: Path) -> None:
    piece = speech.Piece("请各户注意通风，发现中毒立即拨打幺二零。", tmp_path / "piece.wav")
    said = subprocess.run(
        ["espeak-ng", "-v", "cmn-latn-pinyin", "-s", str(speech.espeak_rate(200)), "--stdout"],
        input=piece.text.encode(), capture_output=True, check=True,
    ).stdout  # fmt: skip
    full = speech.stdout_wav_seconds(said)
    assert full is not None
    piece.path.write_bytes(said)  # as written to a pipe: a placeholder size in the header
    with wave.open(str(piece.path), "rb") as wav:
        rate = wav.getframerate()
    _rewrite(piece.path, said[44:], rate)
    assert abs(speech.check_piece(piece, 0, 200, full) - full) < 0.01
    _rewrite(piece.path, said[44 : len(said) - int(0.8 * rate) * 2], rate)
    with pytest.raises(speech.PieceError, match="被截断"):
        speech.check_piece(piece, 0, 200, full)
    assert speech.stdout_wav_seconds(b"not a wav file at all, just some bytes....") is None


def _rewrite(path: Path, frames: bytes, rate: int) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
