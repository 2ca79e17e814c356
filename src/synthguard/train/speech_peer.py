"""AASIST (Jung et al., ICASSP 2022, "AASIST: Audio Anti-Spoofing using Integrated Spectro-Temporal
Graph Attention Networks") in torch, laid out so the published ``state_dict`` files load as they are.

Only for converting user-supplied checkpoints to ONNX (``synthguard train speech-peer-export``);
the runtime adapter ``audio.aasist`` runs the ONNX file without torch.

Architecture, from the paper and the checkpoint layout: a fixed sinc band-pass front end (70 mel-spaced
filters of 129 taps over the raw 16 kHz waveform), |.| + 3x3 max-pool + BN + SELU, six residual 2-D
conv blocks, then two graphs — spectral (max over time) and temporal (max over frequency) — each a
graph-attention layer and a top-k graph pool, two branches of heterogeneous stacking graph attention
with a learnable master node, element-wise max of the branches, and a linear layer on
[max|T|, mean T, max|S|, mean S, master]. Output: 2 logits, index 1 = bona fide.
Deliberately kept quirks of the reference code (the weights depend on them): the first BN of each
residual block is computed but not used; the heterogeneous layers receive the un-expanded master.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["AASIST", "NB_SAMP", "aasist_config"]

NB_SAMP = 64_600


def aasist_config(state_dict: dict[str, Any]) -> dict[str, Any]:
    """Infer AASIST / AASIST-L hyper-parameters from a state_dict's shapes (configs need not be found)."""
    enc = [state_dict[f"encoder.{i}.0.conv1.weight"].shape for i in range(6)]
    filts = [70, [1, enc[0][0]], [enc[1][1], enc[1][0]], [enc[2][1], enc[2][0]], [enc[3][1], enc[3][0]]]
    gat0 = state_dict["GAT_layer_S.att_weight"].shape[0]
    gat1 = state_dict["HtrgGAT_layer_ST11.att_weight11"].shape[0]
    large = enc[3][0] == 64
    pool = [0.5, 0.7, 0.5, 0.5] if large else [0.4, 0.5, 0.7, 0.5]
    return {
        "filts": filts,
        "gat_dims": [gat0, gat1],
        "pool_ratios": pool,
        "temperatures": [2.0, 2.0, 100.0, 100.0],
        "first_conv": 128,
    }


class SincFrontEnd(nn.Module):
    """Fixed (not learned) sinc band-pass filters, mel-spaced between 0 and 8 kHz."""

    def __init__(self, out_channels: int, kernel_size: int, sample_rate: int = 16_000) -> None:
        super().__init__()
        k = kernel_size + 1 if kernel_size % 2 == 0 else kernel_size
        nfft = 512
        f = (sample_rate // 2) * np.linspace(0, 1, nfft // 2 + 1)
        fmel = 2595 * np.log10(1 + f / 700)
        edges_mel = np.linspace(fmel.min(), fmel.max(), out_channels + 1)
        edges = 700 * (10 ** (edges_mel / 2595) - 1)
        t = np.arange(-(k - 1) / 2, (k - 1) / 2 + 1)
        bank = np.zeros((out_channels, k), dtype=np.float32)
        for i in range(out_channels):
            lo, hi = edges[i], edges[i + 1]
            ideal = (2 * hi / sample_rate) * np.sinc(2 * hi * t / sample_rate) - (
                2 * lo / sample_rate
            ) * np.sinc(2 * lo * t / sample_rate)
            bank[i] = np.hamming(k) * ideal
        self.register_buffer("filters", torch.from_numpy(bank).unsqueeze(1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        filters: torch.Tensor = self.filters  # type: ignore[assignment]
        return F.conv1d(x, filters)


class ResidualBlock(nn.Module):
    def __init__(self, cin: int, cout: int, first: bool = False) -> None:
        super().__init__()
        self.first = first
        if not first:
            self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, kernel_size=(2, 3), padding=(1, 1))
        self.selu = nn.SELU()
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, kernel_size=(2, 3), padding=(0, 1))
        self.downsample = cin != cout
        if self.downsample:
            self.conv_downsample = nn.Conv2d(cin, cout, kernel_size=(1, 3), padding=(0, 1))
        self.mp = nn.MaxPool2d((1, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv2(self.selu(self.bn2(self.conv1(x))))  # bn1 unused, as in the reference weights
        identity = self.conv_downsample(x) if self.downsample else x
        return self.mp(out + identity)


def _pairwise(x: torch.Tensor) -> torch.Tensor:
    return x.unsqueeze(2) * x.unsqueeze(1)  # (B, N, N, D)


class GraphAttention(nn.Module):
    def __init__(self, din: int, dout: int, temperature: float) -> None:
        super().__init__()
        self.att_proj = nn.Linear(din, dout)
        self.att_weight = nn.Parameter(torch.zeros(dout, 1))
        self.proj_with_att = nn.Linear(din, dout)
        self.proj_without_att = nn.Linear(din, dout)
        self.bn = nn.BatchNorm1d(dout)
        self.act = nn.SELU()
        self.temp = temperature

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        att = torch.matmul(torch.tanh(self.att_proj(_pairwise(x))), self.att_weight) / self.temp
        att = F.softmax(att, dim=-2).squeeze(-1)
        y = self.proj_with_att(torch.matmul(att, x)) + self.proj_without_att(x)
        b, n, d = y.shape
        return self.act(self.bn(y.reshape(-1, d)).reshape(b, n, d))


class HeteroGraphAttention(nn.Module):
    def __init__(self, din: int, dout: int, temperature: float) -> None:
        super().__init__()
        self.proj_type1 = nn.Linear(din, din)
        self.proj_type2 = nn.Linear(din, din)
        self.att_proj = nn.Linear(din, dout)
        self.att_projM = nn.Linear(din, dout)
        self.att_weight11 = nn.Parameter(torch.zeros(dout, 1))
        self.att_weight22 = nn.Parameter(torch.zeros(dout, 1))
        self.att_weight12 = nn.Parameter(torch.zeros(dout, 1))
        self.att_weightM = nn.Parameter(torch.zeros(dout, 1))
        self.proj_with_att = nn.Linear(din, dout)
        self.proj_without_att = nn.Linear(din, dout)
        self.proj_with_attM = nn.Linear(din, dout)
        self.proj_without_attM = nn.Linear(din, dout)
        self.bn = nn.BatchNorm1d(dout)
        self.act = nn.SELU()
        self.temp = temperature

    def forward(
        self, x1: torch.Tensor, x2: torch.Tensor, master: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        n1 = x1.shape[1]
        x = torch.cat([self.proj_type1(x1), self.proj_type2(x2)], dim=1)
        # master node update: attention of the master over all nodes
        att_m = torch.matmul(torch.tanh(self.att_projM(x * master)), self.att_weightM) / self.temp
        att_m = F.softmax(att_m, dim=-2).squeeze(-1).unsqueeze(1)  # (B, 1, N)
        new_master = self.proj_with_attM(torch.matmul(att_m, x)) + self.proj_without_attM(master)
        # node attention with a separate weight per (type, type) block; 1-2 and 2-1 share one
        h = torch.tanh(self.att_proj(_pairwise(x)))
        top = torch.cat(
            [
                torch.matmul(h[:, :n1, :n1], self.att_weight11),
                torch.matmul(h[:, :n1, n1:], self.att_weight12),
            ],
            dim=2,
        )
        bottom = torch.cat(
            [
                torch.matmul(h[:, n1:, :n1], self.att_weight12),
                torch.matmul(h[:, n1:, n1:], self.att_weight22),
            ],
            dim=2,
        )
        att = F.softmax(torch.cat([top, bottom], dim=1) / self.temp, dim=-2).squeeze(-1)
        y = self.proj_with_att(torch.matmul(att, x)) + self.proj_without_att(x)
        b, n, d = y.shape
        y = self.act(self.bn(y.reshape(-1, d)).reshape(b, n, d))
        return y[:, :n1], y[:, n1:], new_master


class GraphPool(nn.Module):
    """Keep the top ``k`` fraction of nodes by a learned sigmoid score (scores also gate the nodes)."""

    def __init__(self, k: float, din: int) -> None:
        super().__init__()
        self.k = k
        self.proj = nn.Linear(din, 1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        scores = torch.sigmoid(self.proj(h))
        keep = max(int(h.shape[1] * self.k), 1)
        _, idx = torch.topk(scores, keep, dim=1)
        return torch.gather(h * scores, 1, idx.expand(-1, -1, h.shape[2]))


class AASIST(nn.Module):
    """Raw waveform (B, 64600) at 16 kHz -> logits (B, 2), index 1 = bona fide."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        super().__init__()
        filts, gat, pool, temps = cfg["filts"], cfg["gat_dims"], cfg["pool_ratios"], cfg["temperatures"]
        self.conv_time = SincFrontEnd(filts[0], cfg["first_conv"])
        self.first_bn = nn.BatchNorm2d(1)
        self.selu = nn.SELU()
        blocks = [
            ResidualBlock(filts[1][0], filts[1][1], first=True),
            ResidualBlock(*filts[2]),
            ResidualBlock(*filts[3]),
            ResidualBlock(*filts[4]),
            ResidualBlock(*filts[4]),
            ResidualBlock(*filts[4]),
        ]
        self.encoder = nn.Sequential(*[nn.Sequential(b) for b in blocks])
        d = filts[-1][-1]
        self.pos_S = nn.Parameter(torch.zeros(1, 23, d))
        self.master1 = nn.Parameter(torch.zeros(1, 1, gat[0]))
        self.master2 = nn.Parameter(torch.zeros(1, 1, gat[0]))
        self.GAT_layer_S = GraphAttention(d, gat[0], temps[0])
        self.GAT_layer_T = GraphAttention(d, gat[0], temps[1])
        self.HtrgGAT_layer_ST11 = HeteroGraphAttention(gat[0], gat[1], temps[2])
        self.HtrgGAT_layer_ST12 = HeteroGraphAttention(gat[1], gat[1], temps[2])
        self.HtrgGAT_layer_ST21 = HeteroGraphAttention(gat[0], gat[1], temps[2])
        self.HtrgGAT_layer_ST22 = HeteroGraphAttention(gat[1], gat[1], temps[2])
        self.pool_S = GraphPool(pool[0], gat[0])
        self.pool_T = GraphPool(pool[1], gat[0])
        self.pool_hS1 = GraphPool(pool[2], gat[1])
        self.pool_hT1 = GraphPool(pool[2], gat[1])
        self.pool_hS2 = GraphPool(pool[2], gat[1])
        self.pool_hT2 = GraphPool(pool[2], gat[1])
        self.out_layer = nn.Linear(5 * gat[1], 2)

    def _branch(
        self,
        out_t: torch.Tensor,
        out_s: torch.Tensor,
        master: torch.Tensor,
        first: HeteroGraphAttention,
        second: HeteroGraphAttention,
        pool_s: GraphPool,
        pool_t: GraphPool,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        t1, s1, m1 = first(out_t, out_s, master)
        s1, t1 = pool_s(s1), pool_t(t1)
        t_aug, s_aug, m_aug = second(t1, s1, m1)
        return t1 + t_aug, s1 + s_aug, m1 + m_aug

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_time(x.unsqueeze(1)).unsqueeze(1)
        x = self.selu(self.first_bn(F.max_pool2d(torch.abs(x), (3, 3))))
        e = self.encoder(x)  # (B, C, F, T)
        e_abs = torch.abs(e)
        e_s = e_abs.amax(dim=3).transpose(1, 2) + self.pos_S
        out_s = self.pool_S(self.GAT_layer_S(e_s))
        e_t = e_abs.amax(dim=2).transpose(1, 2)
        out_t = self.pool_T(self.GAT_layer_T(e_t))
        t1, s1, m1 = self._branch(
            out_t,
            out_s,
            self.master1,
            self.HtrgGAT_layer_ST11,
            self.HtrgGAT_layer_ST12,
            self.pool_hS1,
            self.pool_hT1,
        )
        t2, s2, m2 = self._branch(
            out_t,
            out_s,
            self.master2,
            self.HtrgGAT_layer_ST21,
            self.HtrgGAT_layer_ST22,
            self.pool_hS2,
            self.pool_hT2,
        )
        out_t, out_s, master = torch.maximum(t1, t2), torch.maximum(s1, s2), torch.maximum(m1, m2)
        hidden = torch.cat(
            [
                out_t.abs().amax(dim=1),
                out_t.mean(dim=1),
                out_s.abs().amax(dim=1),
                out_s.mean(dim=1),
                master.squeeze(1),
            ],
            dim=1,
        )
        return self.out_layer(hidden)
