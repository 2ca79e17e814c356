"""The CLI as a user runs it: scan (table, JSON, JSONL, exit codes), detectors, bench, version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mediafactory import audio_bytes, image_bytes, video_bytes
from synthguard.cli import app

runner = CliRunner()


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    (tmp_path / "a.jpg").write_bytes(image_bytes("JPEG"))
    (tmp_path / "b.mp4").write_bytes(video_bytes())
    (tmp_path / "c.wav").write_bytes(audio_bytes())
    return tmp_path


def test_scan_jsonl_one_report_per_line(media_dir: Path) -> None:
    result = runner.invoke(app, ["scan", str(media_dir), "--jsonl", "-d", "test.constant"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [Path(x["path"]).name for x in lines] == ["a.jpg", "b.mp4", "c.wav"]
    assert [x["media"]["kind"] for x in lines] == ["image", "video", "audio"]


def test_scan_json_and_flagged_exit_code(media_dir: Path) -> None:
    result = runner.invoke(app, ["scan", str(media_dir / "a.jpg"), "--json", "-d", "test.image_saturation"])
    reports = json.loads(result.stdout)
    assert result.exit_code == (1 if reports[0]["verdict"]["decision"] != "pass" else 0)


def test_scan_error_exit_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    result = runner.invoke(app, ["scan", str(bad), "--jsonl", "-d", "test.constant"])
    assert result.exit_code == 2
    row = json.loads(result.stdout)
    assert row["error"] == "CorruptMediaError" and "truncated or corrupt" in row["message"]


def test_scan_table(media_dir: Path) -> None:
    result = runner.invoke(app, ["scan", str(media_dir / "c.wav"), "-d", "test.*"], env={"COLUMNS": "250"})
    assert result.exit_code in (0, 1)
    assert "c.wav" in result.stdout and "test.audio_energy" in result.stdout


def test_unknown_detector_is_an_error(media_dir: Path) -> None:
    result = runner.invoke(app, ["scan", str(media_dir), "-d", "nope.*"])
    assert result.exit_code == 2 and "no detector matches" in result.output


def test_detectors_json() -> None:
    result = runner.invoke(app, ["detectors", "test.*", "--json"])
    assert result.exit_code == 0
    assert "test.constant" in {c["name"] for c in json.loads(result.stdout)}


def test_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0 and result.stdout.startswith("synthguard ")


def test_bench_command(tmp_path: Path) -> None:
    for i in range(4):
        (tmp_path / f"{i}.png").write_bytes(image_bytes("PNG"))
    (tmp_path / "labels.csv").write_text("file,label\n0.png,real\n1.png,fake\n2.png,real\n3.png,fake\n")
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "bench",
            "test.constant",
            str(tmp_path / "labels.csv"),
            "--split",
            "all",
            "-p",
            "jpeg:75",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "report.md").exists() and "jpeg:75" in (out / "report.md").read_text()


def test_train_unknown_target() -> None:
    result = runner.invoke(app, ["train", "nothing"])
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        (["face.manipulation.max_faces=4"], {"face.manipulation": {"max_faces": 4}}),
        (["a.b.flag=true", "a.b.name=x"], {"a.b": {"flag": True, "name": "x"}}),
    ],
)
def test_parse_detector_options(specs: list[str], expected: dict[str, dict[str, object]]) -> None:
    from synthguard.cli.scan import parse_detector_options

    assert parse_detector_options(specs) == expected


def test_bad_detector_option_is_an_error(media_dir: Path) -> None:
    result = runner.invoke(app, ["scan", str(media_dir / "a.jpg"), "-d", "test.constant", "-o", "nonsense"])
    assert result.exit_code == 2 and "DETECTOR.KEY=VALUE" in result.output


def test_detector_option_reaches_the_detector(media_dir: Path) -> None:
    result = runner.invoke(
        app,
        [
            "scan",
            str(media_dir / "a.jpg"),
            "--jsonl",
            "-d",
            "test.constant",
            "-o",
            "test.constant.score=0.95",
        ],
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["evidence"][0]["score"] == 0.95


def test_speech_engine_eer_table_and_a_split_mismatch(tmp_path: Path) -> None:
    rows = ["file,label,split,engine", "r0.wav,real,test,librispeech", "r1.wav,real,test,librispeech"]
    rows += ["a0.wav,fake,test,espeak", "b0.wav,fake,test,world", "v0.wav,real,val,librispeech"]
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n")
    bench = tmp_path / "bench"
    bench.mkdir()
    # test split: r0, r1, a0, b0 in file order; espeak is found, world is not
    (bench / "scores.csv").write_text("index,label,clean\n0,0,0.1\n1,0,0.3\n2,1,0.9\n3,1,0.2\n")
    result = runner.invoke(app, ["speech", "engine-eer", str(bench), str(tmp_path / "labels.csv")])
    assert result.exit_code == 0, result.output
    assert "espeak" in result.output and "world" in result.output
    result = runner.invoke(
        app, ["speech", "engine-eer", str(bench), str(tmp_path / "labels.csv"), "--split", "val"]
    )
    assert result.exit_code != 0 and "does not match the 'val' split" in result.output
