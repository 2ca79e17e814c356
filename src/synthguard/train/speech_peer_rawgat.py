"""RawGAT-ST (Tak et al., ASVspoof 2021 workshop, "End-to-end spectro-temporal graph attention networks
for speaker verification anti-spoofing and speech deepfake detection") in torch, laid out so the
published ``RawGAT_ST_mul.pth`` ``state_dict`` loads as it is.

Only for converting user-supplied checkpoints to ONNX (``synthguard train speech-peer-export``);
the runtime adapter ``audio.rawgat_st`` runs the ONNX file without torch.

Architecture, from the paper and the checkpoint layout: the same fixed sinc front end as AASIST
(70 mel-spaced band-pass filters, 129 taps), |.| + 3x3 max-pool + BN + SELU, then two residual
encoders of six blocks each (32, 32, 64, 64, 64, 64 channels). Encoder 1 feeds the spectral graph
(max |.| over time: 23 frequency nodes), encoder 2 the temporal graph (max |.| over frequency: 29
time nodes); each is a graph-attention layer (64 -> 32) and a top-k graph pool (0.64 -> 14 nodes,
0.81 -> 23 nodes), then a linear projection over the node axis to 12 nodes. Model-level fusion
("mul"): element-wise product of the two 12-node graphs, a third graph-attention layer (32 -> 16),
a pool (0.64 -> 7 nodes), a linear 16 -> 1 per node and a linear 7 -> 2. Output: 2 logits, index 1
= bona fide. The node counts are fixed by those projections, so the input must be 64,600 samples.

Quirks of the reference layout that the weights depend on: the first residual block of each encoder
convolves the 1-channel input with its own ``conv_1`` and adds the 1-channel input back by
broadcasting; later blocks carry an unused ``conv_1`` and, as in AASIST, an unused ``bn1``.
The graph-attention layers have no temperature (1.0).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .speech_peer import GraphAttention, GraphPool, SincFrontEnd

__all__ = ["RawGATST", "is_rawgat_st", "rawgat_st_config"]

# pool ratios of the published model (spectral, temporal, fused); the checkpoint's projection
# shapes pin them: int(23 * 0.64) = 14, int(29 * 0.81) = 23, int(12 * 0.64) = 7
_POOL = (0.64, 0.81, 0.64)


def is_rawgat_st(state_dict: dict[str, Any]) -> bool:
    """True for a RawGAT-ST ``state_dict`` (two encoders, a fused third graph, node projections)."""
    return all(
        k in state_dict
        for k in ("encoder1.0.0.conv_1.weight", "encoder2.0.0.conv_1.weight", "proj_node.weight")
    )


def rawgat_st_config(state_dict: dict[str, Any]) -> dict[str, Any]:
    """Hyper-parameters of a RawGAT-ST ``state_dict``, read from its tensor shapes."""
    blocks = []
    for i in range(6):
        conv = state_dict.get(f"encoder1.{i}.0.conv1.weight")
        if conv is None:  # first block: only the 1-channel conv_1
            c = int(state_dict[f"encoder1.{i}.0.conv2.weight"].shape[0])
            blocks.append([c, c])
        else:
            blocks.append([int(conv.shape[1]), int(conv.shape[0])])
    return {
        "filts": blocks,
        "gat_dims": [
            int(state_dict["GAT_layer1.att_proj.weight"].shape[0]),
            int(state_dict["GAT_layer3.att_proj.weight"].shape[0]),
        ],
        "pool_ratios": list(_POOL),
        "nodes": {
            "spectral_pooled": int(state_dict["proj1.weight"].shape[1]),
            "temporal_pooled": int(state_dict["proj2.weight"].shape[1]),
            "fused": int(state_dict["proj1.weight"].shape[0]),
            "fused_pooled": int(state_dict["proj_node.weight"].shape[1]),
        },
        "sinc_filters": 70,
        "first_conv": 128,
    }


class RawGATBlock(nn.Module):
    """Residual 2-D conv block; the first one of an encoder takes the 1-channel sinc map."""

    def __init__(self, cin: int, cout: int, first: bool = False) -> None:
        super().__init__()
        self.first = first
        if not first:
            self.bn1 = nn.BatchNorm2d(cin)  # in the checkpoint, unused (as in AASIST)
            self.conv1 = nn.Conv2d(cin, cout, kernel_size=(2, 3), padding=(1, 1))
        self.conv_1 = nn.Conv2d(1, cout, kernel_size=(2, 3), padding=(1, 1))  # used by the first block only
        self.bn2 = nn.BatchNorm2d(cout)
        self.selu = nn.SELU()
        self.conv2 = nn.Conv2d(cout, cout, kernel_size=(2, 3), padding=(0, 1))
        self.downsample = cin != cout
        if self.downsample:
            self.conv_downsample = nn.Conv2d(cin, cout, kernel_size=(1, 3), padding=(0, 1))
        self.mp = nn.MaxPool2d((1, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv_1(x) if self.first else self.conv1(x)
        out = self.conv2(self.selu(self.bn2(out)))
        identity = self.conv_downsample(x) if self.downsample else x  # first block: broadcast 1 -> C
        return self.mp(out + identity)


class RawGATST(nn.Module):
    """Raw waveform (B, 64600) at 16 kHz -> logits (B, 2), index 1 = bona fide (fusion "mul")."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        super().__init__()
        blocks, (g1, g2), pool, nodes = cfg["filts"], cfg["gat_dims"], cfg["pool_ratios"], cfg["nodes"]
        self.conv_time = SincFrontEnd(cfg["sinc_filters"], cfg["first_conv"])
        self.first_bn = nn.BatchNorm2d(1)
        self.selu = nn.SELU()

        def encoder() -> nn.Sequential:
            return nn.Sequential(
                *[nn.Sequential(RawGATBlock(a, b, first=i == 0)) for i, (a, b) in enumerate(blocks)]
            )

        self.encoder1 = encoder()  # spectral branch
        self.encoder2 = encoder()  # temporal branch
        d = blocks[-1][-1]
        self.GAT_layer1 = GraphAttention(d, g1, 1.0)
        self.GAT_layer2 = GraphAttention(d, g1, 1.0)
        self.GAT_layer3 = GraphAttention(g1, g2, 1.0)
        self.pool1 = GraphPool(pool[0], g1)
        self.pool2 = GraphPool(pool[1], g1)
        self.pool3 = GraphPool(pool[2], g2)
        self.proj1 = nn.Linear(nodes["spectral_pooled"], nodes["fused"])
        self.proj2 = nn.Linear(nodes["temporal_pooled"], nodes["fused"])
        self.proj = nn.Linear(g2, 1)
        self.proj_node = nn.Linear(nodes["fused_pooled"], 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_time(x.unsqueeze(1)).unsqueeze(1)
        x = self.selu(self.first_bn(F.max_pool2d(torch.abs(x), (3, 3))))
        spec = torch.abs(self.encoder1(x)).amax(dim=3).transpose(1, 2)  # (B, 23 freq nodes, C)
        out_s = self.proj1(self.pool1(self.GAT_layer1(spec)).transpose(1, 2))  # (B, D, 12)
        temp = torch.abs(self.encoder2(x)).amax(dim=2).transpose(1, 2)  # (B, 29 time nodes, C)
        out_t = self.proj2(self.pool2(self.GAT_layer2(temp)).transpose(1, 2))  # (B, D, 12)
        fused = self.pool3(self.GAT_layer3((out_s * out_t).transpose(1, 2)))  # (B, 7, D2)
        return self.proj_node(self.proj(fused).flatten(1))
