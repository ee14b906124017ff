"""Audio is real: measured with ffmpeg; made once per content; faults caught, never served."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from broadcast.audio import mix, pipeline, speech
from broadcast.models import Audio, AudioState
from broadcast.service import audio as audio_service
from broadcast.settings import BroadcastSettings, get_broadcast_settings
from broadcast.speakable import speakable
from gateway.jobs import Job, JobState, run_due
from gateway.jobs.core import now_utc
from tests.broadcast.audio_check import alive, loudness, probe, processes, start_worker, tone

pytestmark = pytest.mark.usefixtures("db")

KIND = ["broadcast.synthesise"]


def _text(words: str = "") -> str:
    # A fresh text each time: a file made by an earlier test must not answer for this one.
    return speakable(
        f"各位村民请注意，编号{uuid.uuid4().int % 10**6}。{words}今天下午三点在村委会发放补贴。"
    )


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch):
    """Change broadcast settings for one test (the worker inline reads them)."""

    def apply(**values: str) -> BroadcastSettings:
        for name, value in values.items():
            monkeypatch.setenv(f"APP_BROADCAST_{name.upper()}", value)
        get_broadcast_settings.cache_clear()
        return get_broadcast_settings()

    yield apply
    monkeypatch.undo()
    get_broadcast_settings.cache_clear()


async def test_a_broadcast_file_is_loud_enough_mono_mp3_with_chime_and_repeats() -> None:
    text = _text()
    audio = await audio_service.request_audio(spoken_text=text, cpm=200, repeats=3, chime=True)
    assert await run_due(kinds=KIND) >= 1
    audio = await Audio.get(id=audio.id)
    assert audio.state == AudioState.READY, audio.error
    path = audio_service.audio_path(audio)
    lufs, peak = loudness(path)
    assert abs(lufs + 16) <= 1, lufs
    assert peak <= -1.5, peak
    assert abs(audio.lufs - lufs) <= 0.2
    assert abs(audio.true_peak - peak) <= 0.2
    info = probe(path)
    assert info["codec_name"] == "mp3"
    assert info["format_name"] == "mp3"
    assert info["sample_rate"] == "44100"
    assert info["channels"] == 1
    assert abs(int(info["bit_rate"]) - 64000) <= 4000
    # Chime, three times the speech, two pauses: the duration says so.
    single = await audio_service.request_audio(spoken_text=text, cpm=200, repeats=1, chime=False)
    await run_due(kinds=KIND)
    single = await Audio.get(id=single.id)
    once = float(probe(audio_service.audio_path(single))["duration"])
    total = float(info["duration"])
    settings = get_broadcast_settings()
    chime_and_pauses = total - 3 * once
    made = (await Job.get(id=audio.job_id)).result
    assert 2 * settings.pause_seconds + 1.5 <= chime_and_pauses <= 2 * settings.pause_seconds + 4, (
        total,
        once,
        made,
        (await Job.get(id=single.job_id)).result,
    )
    assert abs(audio.duration_s - total) <= 0.3


async def test_speech_is_said_at_the_asked_rate() -> None:
    text = (
        speakable(
            "各乡镇要切实做好冬季安全生产工作，加强对学校、医院、集贸市场等人员密集场所的检查，"
            "发现隐患立即整改，确保人民群众生命财产安全。"
        )
        * 3
    )
    for cpm in (160, 260):
        audio = await audio_service.request_audio(spoken_text=text, cpm=cpm, repeats=1, chime=False)
        await run_due(kinds=KIND)
        audio = await Audio.get(id=audio.id)
        said = speech.spoken_length(text) * 60 / float(audio.duration_s or 1)
        assert abs(said - cpm) / cpm <= 0.15, (cpm, said)


async def test_the_same_text_and_settings_make_one_file_even_when_asked_at_once() -> None:
    text = _text()
    rows = await asyncio.gather(
        *(
            audio_service.request_audio(spoken_text=text, cpm=200, repeats=2, chime=True)
            for _ in range(5)
        )
    )
    assert len({r.id for r in rows}) == 1
    jobs = [j for j in await Job.filter(kind=KIND[0]) if j.payload == {"audio_id": rows[0].id}]
    assert len(jobs) == 1
    await run_due(kinds=KIND)
    # Other settings (one repeat more) are another file.
    other = await audio_service.request_audio(spoken_text=text, cpm=200, repeats=3, chime=True)
    assert other.id != rows[0].id


async def test_two_workers_asked_for_one_text_make_one_file(tmp_path: Path) -> None:
    text = _text()
    audio = await audio_service.request_audio(spoken_text=text, cpm=200, repeats=1, chime=False)
    workers = [start_worker(tmp_path / f"worker-{i}.log", concurrency=2) for i in range(2)]
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            row = await Audio.get(id=audio.id)
            if row.state == AudioState.READY:
                break
            await asyncio.sleep(0.3)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            await asyncio.to_thread(worker.wait, 30)
    row = await Audio.get(id=audio.id)
    assert row.state == AudioState.READY
    job = await Job.get(id=row.job_id)
    assert job.state == JobState.SUCCEEDED
    assert job.attempts == 1
    files = list(audio_service.audio_path(row).parent.glob(f"{row.key}*"))
    assert files == [audio_service.audio_path(row)]


async def test_a_pronunciation_change_makes_a_new_file(client) -> None:
    from broadcast.service import pronunciations
    from tests.gateway.staff_helpers import sign_in

    term = "".join(chr(0x4E00 + random.randrange(0x5000)) for _ in range(4))
    text = _text(f"{term}的村民请注意。")
    before = await audio_service.spec_for(spoken_text=text, cpm=200, repeats=1, chime=False)
    admin = await sign_in(client, "admin")
    made = await client.post(
        "/api/v1/admin/broadcasts/pronunciations",
        json={"term": term, "reading": "Meng2  cheng2", "note": "测试"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    assert made.json()["pronunciation"]["reading"] == "meng2 cheng2"
    pronunciations._forget()  # this process's copy (the server's was dropped by the edit)
    after = await audio_service.spec_for(spoken_text=text, cpm=200, repeats=1, chime=False)
    assert "meng2 cheng2" in after.text
    assert term not in after.text
    settings = get_broadcast_settings()
    assert pipeline.content_key(after, settings) != pipeline.content_key(before, settings)
    entry = made.json()["pronunciation"]["id"]
    deleted = await client.delete(f"/api/v1/admin/broadcasts/pronunciations/{entry}", headers=admin)
    assert deleted.status_code == 204


async def test_a_hanging_speech_child_is_killed_at_its_timeout_and_the_job_retried(
    settings_env,
) -> None:
    settings_env(
        tts_command=f"{sys.executable} -m tests.broadcast.fake_tts hang",
        tts_timeout_base="2",
        tts_timeout_per_char="0",
    )
    audio = await audio_service.request_audio(spoken_text=_text(), cpm=200, repeats=1, chime=False)
    started = time.monotonic()
    await run_due(kinds=KIND)
    assert time.monotonic() - started < 30  # killed after 2 s, not left for an hour
    row = await Audio.get(id=audio.id)
    job = await Job.get(id=row.job_id)
    assert row.state == AudioState.FAILED
    assert "超过 2 秒未完成，已终止合成进程" in row.error
    assert job.state == JobState.FAILED
    assert job.run_at > now_utc()
    assert processes("tests.broadcast.fake_tts hang") == []
    settings_env(tts_command="", tts_timeout_base="20", tts_timeout_per_char="0.05")
    await run_due(kinds=KIND, now=job.run_at + timedelta(seconds=1))
    row = await Audio.get(id=audio.id)
    assert row.state == AudioState.READY
    assert row.error == ""
    assert (await Job.get(id=row.job_id)).attempts == 2


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("silent", "是静音"),
        ("truncated", "时长异常"),
        ("clipped", "被截断"),
        ("crash", "异常退出"),
    ],
)
async def test_bad_speech_is_caught_by_verification_and_never_served(
    settings_env, mode: str, reason: str
) -> None:
    settings_env(tts_command=f"{sys.executable} -m tests.broadcast.fake_tts {mode}")
    audio = await audio_service.request_audio(spoken_text=_text(), cpm=200, repeats=1, chime=False)
    await run_due(kinds=KIND)
    row = await Audio.get(id=audio.id)
    assert row.state == AudioState.FAILED
    assert reason in row.error
    assert audio_service.stored_file(row) is None
    assert not audio_service.audio_path(row).exists() or not row.path


async def test_a_run_with_a_piece_cut_short_is_done_again_by_a_fresh_child_to_the_same_bytes(
    settings_env, tmp_path: Path
) -> None:
    marker = tmp_path / "clipped"
    settings_env(tts_command=f"{sys.executable} -m tests.broadcast.fake_tts clipped-once {marker}")
    text = _text("请带好身份证和户口簿。")
    audio = await audio_service.request_audio(spoken_text=text, cpm=200, repeats=1, chime=False)
    await run_due(kinds=KIND)
    row = await Audio.get(id=audio.id)
    assert marker.exists()  # the first child's pieces were cut short...
    assert row.state == AudioState.READY, row.error  # ...and caught, and a fresh child spoke
    assert (await Job.get(id=row.job_id)).attempts == 1  # within the one attempt
    made = audio_service.audio_path(row).read_bytes()
    # A clean run of the same text from the start makes the very same file.
    settings_env(tts_command="")
    audio_service.audio_path(row).unlink()
    again = await audio_service.request_audio(spoken_text=text, cpm=200, repeats=1, chime=False)
    assert again.id == row.id
    await run_due(kinds=KIND)
    remade = await Audio.get(id=row.id)
    assert remade.state == AudioState.READY
    assert remade.sha256 == row.sha256
    assert audio_service.audio_path(remade).read_bytes() == made


async def test_a_corrupt_or_silent_file_fails_verification(tmp_path: Path) -> None:
    settings = get_broadcast_settings()
    good = tone(tmp_path / "good.mp3", source="sine=frequency=440:sample_rate=44100")
    corrupt = tmp_path / "corrupt.mp3"
    data = bytearray(good.read_bytes())
    data[len(data) // 3 : len(data) // 3 + 4000] = os.urandom(4000)
    corrupt.write_bytes(bytes(data[: len(data) * 2 // 3]))
    with pytest.raises(mix.AudioError, match=r"校验|解码"):
        await mix.verify(corrupt, 5.0, settings)
    silent = tone(tmp_path / "silent.mp3", source="anullsrc=r=44100:cl=mono")
    with pytest.raises(mix.AudioError, match="无声"):
        await mix.verify(silent, 5.0, settings)
    garbage = tmp_path / "garbage.mp3"
    garbage.write_bytes(os.urandom(20000))
    with pytest.raises(mix.AudioError):
        await mix.verify(garbage, 5.0, settings)
    with pytest.raises(mix.AudioError, match="没有生成"):
        await mix.verify(tmp_path / "missing.mp3", 5.0, settings)


async def test_a_file_damaged_on_disk_is_not_served_and_is_made_again() -> None:
    audio = await audio_service.request_audio(spoken_text=_text(), cpm=200, repeats=1, chime=False)
    await run_due(kinds=KIND)
    row = await Audio.get(id=audio.id)
    path = audio_service.audio_path(row)
    original = path.read_bytes()
    path.write_bytes(original[: len(original) // 2])
    assert audio_service.stored_file(row) is None
    again = await audio_service.request_audio(spoken_text=row.text, cpm=200, repeats=1, chime=False)
    assert again.id == row.id
    assert again.generation == row.generation + 1
    assert again.state == AudioState.PENDING
    await run_due(kinds=KIND)
    remade = await Audio.get(id=row.id)
    assert remade.state == AudioState.READY
    assert remade.sha256 == row.sha256
    assert audio_service.audio_path(remade).read_bytes() == original


async def test_a_worker_killed_mid_synthesis_loses_nothing(tmp_path: Path) -> None:
    # A long text, so the worker is surely still synthesising when it is killed.
    text = speakable(
        "各位村民请注意，今年冬季防火形势严峻，请大家不要在野外用火，不要焚烧秸秆。" * 12
    )
    audio = await audio_service.request_audio(spoken_text=text, cpm=200, repeats=2, chime=True)
    worker = start_worker(tmp_path / "worker.log")
    children: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job = await Job.get(id=(await Audio.get(id=audio.id)).job_id)
            children = processes("broadcast.audio.tts_child", parent=worker.pid)
            if job.state == JobState.RUNNING and children:
                break
            await asyncio.sleep(0.05)
        assert job.state == JobState.RUNNING, job.state
        assert children
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        await asyncio.to_thread(worker.wait, 10)
    await asyncio.sleep(1)
    # Its speech child died with it (it asked the kernel to be killed with its parent).
    assert not any(alive(pid) for pid in children)
    row = await Audio.get(id=audio.id)
    assert row.state in (AudioState.MAKING, AudioState.PENDING)
    job = await Job.get(id=row.job_id)
    assert job.state == JobState.RUNNING  # until its lease runs out
    await run_due(kinds=KIND, now=job.lease_until + timedelta(seconds=1))
    row = await Audio.get(id=audio.id)
    assert row.state == AudioState.READY, row.error
    # The very same file a synthesis that was never interrupted makes.
    control = await pipeline.make(
        pipeline.Spec(row.text, row.cpm, row.repeats, row.chime),
        root=tmp_path / "control",
        settings=get_broadcast_settings(),
    )
    assert control.sha256 == row.sha256
    assert not list((get_broadcast_settings().root() / "work").glob(f"{row.key}-*"))
