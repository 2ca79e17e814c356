"""Speech building blocks shared by the speech detectors, training and (later) live audio rooms.

- :mod:`~synthguard.speech.vad`: voice activity on 16 kHz float32 arrays or streaming chunks.
- :mod:`~synthguard.speech.windowing`: fixed-length windows over speech regions.
- :mod:`~synthguard.speech.features`: NumPy log-mel, identical in training and inference.
- :mod:`~synthguard.speech.analysis`: windows + model inputs (samples or log-mel) of a clip, and
  clip-score aggregation.
"""

from .analysis import aggregate, window_features, window_inputs, window_samples
from .features import log_mel
from .vad import SpeechRegion, StreamingVad, VadConfig, detect_speech
from .windowing import Window, speech_windows

__all__ = [
    "SpeechRegion",
    "StreamingVad",
    "VadConfig",
    "Window",
    "aggregate",
    "detect_speech",
    "log_mel",
    "speech_windows",
    "window_features",
    "window_inputs",
    "window_samples",
]
