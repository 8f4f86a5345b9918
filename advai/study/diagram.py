"""Fig. 4: the AdvAI-AE architecture, drawn from a model object (layer lists read off its modules)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyBboxPatch
from torch import nn


def layer_summary(module: nn.Module, example: torch.Tensor) -> list[str]:
    """One line per Conv/ConvTranspose/Linear layer of ``module`` with its output shape, from a forward pass."""
    lines, hooks = [], []

    def hook(mod, _inp, out):
        shape = "x".join(str(s) for s in out.shape[1:])
        if isinstance(mod, nn.ConvTranspose2d):
            lines.append(f"ConvT {mod.kernel_size[0]}x{mod.kernel_size[0]}/{mod.stride[0]} -> {shape}")
        elif isinstance(mod, nn.Conv2d):
            lines.append(f"Conv {mod.kernel_size[0]}x{mod.kernel_size[0]}/{mod.stride[0]} -> {shape}")
        else:
            lines.append(f"Linear {mod.in_features} -> {mod.out_features}")

    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            hooks.append(m.register_forward_hook(hook))
    try:
        with torch.no_grad():
            module(*example) if isinstance(example, tuple) else module(example)
    finally:
        for h in hooks:
            h.remove()
    return lines


def _box(ax, xy, w, h, title, body, color):
    ax.add_patch(FancyBboxPatch(xy, w, h, boxstyle="round,pad=0.02", fc=color, ec="0.3", lw=1))
    ax.text(xy[0] + w / 2, xy[1] + h - 0.04, title, ha="center", va="top", fontsize=8.5, weight="bold")
    if body:
        ax.text(xy[0] + w / 2, xy[1] + h - 0.12, "\n".join(body), ha="center", va="top", fontsize=6.2, family="monospace")


def _arrow(ax, a, b, text=None, style="-|>", ls="-"):
    ax.annotate("", xy=b, xytext=a, arrowprops=dict(arrowstyle=style, color="0.25", lw=1, ls=ls))
    if text:
        ax.text((a[0] + b[0]) / 2, (a[1] + b[1]) / 2 + 0.03, text, ha="center", fontsize=7)


def draw_advai_ae(model, figsize=(11, 5.2)):
    """Draw the AdvAI-AE of ``model`` (an :class:`advai.models.advai_ae.AdvAIAE`): modules, data flow, losses."""
    x = torch.zeros(2, model.channels, model.size, model.size)
    z = torch.zeros(2, model.latent)
    enc, dec = layer_summary(model.encoder, x), layer_summary(model.decoder, z)
    crit = layer_summary(model.critic, x)
    cfg = model.correction.encoder[0].in_features, model.correction.encoder[-1].out_features
    r_body = [f"shared encoder MLP ({len(model.correction.encoder) // 2} hidden x "
              f"{model.correction.encoder[0].out_features})", f"per coordinate: (z_i, a) -> {cfg[1]}",
              "codes summed, decoder MLP -> 1", f"n_scale = {model.correction.cfg.n_scale:g}"]
    fig, ax = plt.subplots(figsize=figsize)
    ax.set_xlim(0, 4.4)
    ax.set_ylim(0, 2.2)
    ax.axis("off")
    blue, green, orange, grey = "#dbe8f5", "#dcefdc", "#fbe3c8", "#eeeeee"
    _box(ax, (0.05, 1.05), 0.55, 0.9, "images", ["x1, x2", f"{model.channels}x{model.size}x{model.size}"], grey)
    _box(ax, (0.8, 1.05), 0.8, 1.05, "Encoder E", enc, blue)
    _box(ax, (1.85, 1.25), 0.75, 0.85, "AdvAI R (frozen)", r_body, orange)
    _box(ax, (2.85, 1.05), 0.8, 1.05, "Decoder G", dec, blue)
    _box(ax, (3.8, 1.05), 0.55, 1.05, "Critic D_A", crit, green)
    _box(ax, (1.85, 0.25), 0.75, 0.55, "prior p(z)", [f"eps ~ N(0, I_{model.latent})"], grey)
    _box(ax, (0.8, 0.1), 0.8, 0.6, "D_R (warm-up only)", ["regresses a on", "latent interpolants,", "0 on prior samples"], green)
    _arrow(ax, (0.6, 1.5), (0.8, 1.5))
    _arrow(ax, (1.6, 1.6), (1.85, 1.6), "z1, z2")
    _arrow(ax, (2.6, 1.6), (2.85, 1.6), "f(z1,z2,a)")
    _arrow(ax, (3.65, 1.6), (3.8, 1.6))
    _arrow(ax, (2.22, 0.8), (2.22, 1.25), "noise mix f(z, eps, b)")
    _arrow(ax, (2.6, 0.55), (3.25, 1.05), "G(eps)")
    _arrow(ax, (1.2, 1.05), (1.85, 0.6), style="<|-|>", ls="--")
    ax.text(1.3, 0.85, "MMD(z, eps)", fontsize=7)
    _arrow(ax, (1.6, 0.4), (1.95, 1.25), style="-|>", ls=":")
    ax.text(4.07, 1.0, "targets:\nreal 0\nmix a\nnoise mix b\nG(eps) 0.5", ha="center", va="top", fontsize=7)
    w = model.w
    ax.text(2.75, 0.3, f"L_AE = rec + {w['adv']:g} |D_A(mix)|^2 + {w['mmd']:g} MMD\n"
                        f"     + {w['noise']:g} |D_A(noise mix)|^2 + {w['fake']:g} |D_A(G(eps))|^2",
            fontsize=7, va="top", family="monospace")
    ax.set_title(f"AdvAI-AE (latent d = {model.latent}), drawn from advai.models.AdvAIAE", fontsize=10)
    return fig
