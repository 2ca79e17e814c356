"""The trainer's processing: identical for both classes unless ``p_fake_reals`` asks otherwise."""

from __future__ import annotations

import numpy as np

from synthguard.train.images import augment, reals_history


def _img() -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, (96, 128, 3), dtype=np.uint8)


def test_same_processing_for_both_classes_by_default() -> None:
    for seed in range(5):
        real = augment(_img(), np.random.default_rng(seed), label=0)
        fake = augment(_img(), np.random.default_rng(seed), label=1)
        assert np.array_equal(real, fake)


def test_fake_reals_history_only_touches_fakes() -> None:
    real = augment(_img(), np.random.default_rng(0), label=0, p_fake_reals=1.0)
    ref = augment(_img(), np.random.default_rng(0), label=0)
    assert np.array_equal(real, ref)
    hist = reals_history(_img(), np.random.default_rng(0))
    assert hist.shape == _img().shape
    assert not np.array_equal(hist, _img())


def test_video_frame_processing_is_drawn_for_both_classes_alike() -> None:
    outs = [augment(_img(), np.random.default_rng(s), label=y, p_video=1.0) for s in range(3) for y in (0, 1)]
    for real, fake in zip(outs[::2], outs[1::2], strict=True):
        assert np.array_equal(real, fake)
    # off (the shipped recipe) it draws nothing: the copies are those of the recipe without it
    assert np.array_equal(
        augment(_img(), np.random.default_rng(0), p_video=0.0), augment(_img(), np.random.default_rng(0))
    )


def test_extra_reals_only_from_train_split_one_per_video(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from synthguard.train.images import load_extra_reals

    lines = ["file,label,video,source_video,split"]
    for i in range(12):
        split = ("train", "val", "test")[i % 3]
        lines.append(f"faces/r{i}.jpg,real,v{i}.mp4,v{i}.mp4,{split}")
        lines.append(f"faces/r{i}b.jpg,real,v{i}.mp4,v{i}.mp4,{split}")  # a second item of the same video
        lines.append(f"faces/f{i}.jpg,fake,f{i}.mp4,v{i}.mp4,{split}")
    (tmp_path / "labels.csv").write_text("\n".join(lines) + "\n")
    rows = load_extra_reals(tmp_path, 3, seed=0)
    assert len(rows) == 3
    assert all(r.label == 0 and r.split == "train" and r.source == "extra" for r in rows)
    names = {r.path.name for r in rows}
    assert names <= {f"r{i}.jpg" for i in range(0, 12, 3)}  # train-split reals, first item per video
    assert rows == load_extra_reals(tmp_path, 3, seed=0)  # reproducible
    assert len(load_extra_reals(tmp_path, 100)) == 4  # capped at the available videos
