"""Fig. 4: the AdvAI-AE architecture, drawn from a model object (layer lists read off its modules).

The layout is measured, not guessed: every box is sized from the rendered extent of its own
text, boxes are placed left to right with gaps wide enough for the arrow labels between them,
and :func:`check_layout` verifies that each text lies inside its box and that no arrow label
overlaps a box or another label.
"""
from __future__ import annotations

import re

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyBboxPatch
from matplotlib.transforms import Bbox
from torch import nn

BODY_PT, TITLE_PT, LABEL_PT = 8.5, 10, 9
PAD = 0.1  # inches of padding inside a box
BLUE, GREEN, ORANGE, GREY = "#dbe8f5", "#dcefdc", "#fbe3c8", "#eeeeee"


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


class Canvas:
    """An axes in inches (one data unit = one inch) that measures text before placing boxes."""

    def __init__(self, width: float, height: float):
        self.fig = plt.figure(figsize=(width, height))
        self.ax = self.fig.add_axes([0, 0, 1, 1])
        self.ax.set(xlim=(0, width), ylim=(0, height))
        self.ax.axis("off")
        self.renderer = self.fig.canvas.get_renderer()
        self.boxes: list[tuple[Bbox, list]] = []  # (box in inches, the texts it must hold)
        self.labels: list = []  # free-standing arrow labels

    def extent(self, text) -> Bbox:
        """A drawn text's extent in inches."""
        return text.get_window_extent(self.renderer).transformed(self.ax.transData.inverted())

    def size(self, title: str, body: list[str]) -> tuple[float, float]:
        """Width and height (inches) a box needs for ``title`` over ``body``."""
        t = self.ax.text(0, 0, title, fontsize=TITLE_PT, weight="bold")
        b = self.ax.text(0, 0, "\n".join(body), fontsize=BODY_PT, family="monospace") if body else None
        ext = [self.extent(t)] + ([self.extent(b)] if b else [])
        t.remove()
        if b:
            b.remove()
        return max(e.width for e in ext) + 2 * PAD, sum(e.height for e in ext) + 2 * PAD + 0.06 * len(ext)

    def box(self, cx: float, cy: float, title: str, body: list[str], color: str) -> Bbox:
        """A rounded box centred at (cx, cy), sized to its text; returns its extent."""
        w, h = self.size(title, body)
        x0, y0 = cx - w / 2, cy - h / 2
        self.ax.add_patch(FancyBboxPatch((x0, y0), w, h, boxstyle="round,pad=0,rounding_size=0.06",
                                         fc=color, ec="0.3", lw=1))
        texts = [self.ax.text(cx, y0 + h - PAD, title, ha="center", va="top", fontsize=TITLE_PT, weight="bold")]
        if body:
            top = self.extent(texts[0]).y0 - 0.06
            texts.append(self.ax.text(cx, top, "\n".join(body), ha="center", va="top", fontsize=BODY_PT,
                                      family="monospace"))
        bbox = Bbox.from_bounds(x0, y0, w, h)
        self.boxes.append((bbox, texts))
        return bbox

    def box_right_of(self, prev: Bbox, gap: float, cy: float, title: str, body: list[str], color: str) -> Bbox:
        """A :meth:`box` whose left edge sits ``gap`` inches right of box ``prev``."""
        return self.box(prev.x1 + gap + self.size(title, body)[0] / 2, cy, title, body, color)

    def arrow(self, a, b, label: str | None = None, where: str = "above", style: str = "-|>", ls: str = "-"):
        """An arrow from point ``a`` to ``b`` with an optional label beside its middle."""
        self.ax.annotate("", xy=b, xytext=a, arrowprops=dict(arrowstyle=style, color="0.25", lw=1.1, ls=ls,
                                                            shrinkA=0, shrinkB=0))
        if label:
            mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
            kw = {"above": dict(xy=(mx, my + 0.06), ha="center", va="bottom"),
                  "below": dict(xy=(mx, my - 0.06), ha="center", va="top"),
                  "right": dict(xy=(mx + 0.08, my), ha="left", va="center"),
                  "left": dict(xy=(mx - 0.08, my), ha="right", va="center")}[where]
            xy = kw.pop("xy")
            self.labels.append(self.ax.text(*xy, label, fontsize=LABEL_PT, **kw))


def check_layout(canvas: Canvas) -> None:
    """Raise ``ValueError`` if a box's text sticks out of it, or an arrow label overlaps a box
    or another label (everything measured on the rendered figure)."""
    problems = []
    for bbox, texts in canvas.boxes:
        for t in texts:
            e = canvas.extent(t)
            if e.x0 < bbox.x0 or e.x1 > bbox.x1 or e.y0 < bbox.y0 or e.y1 > bbox.y1:
                problems.append(f"{t.get_text()[:25]!r} overflows its box")
    labels = [(t.get_text(), canvas.extent(t)) for t in canvas.labels]
    for name, e in labels:
        problems += [f"label {name!r} overlaps a box" for bbox, _ in canvas.boxes if e.overlaps(bbox)]
    for i, (n1, e1) in enumerate(labels):
        problems += [f"labels {n1!r} and {n2!r} overlap" for n2, e2 in labels[i + 1:] if e1.overlaps(e2)]
    if problems:
        raise ValueError("fig4 layout: " + "; ".join(problems))


def _pretty(line: str) -> str:
    """A layer line with typographic symbols: 4x4 -> 4\u00d74, -> becomes an arrow."""
    return re.sub(r"(?<=\d)x(?=\d)", "\u00d7", line).replace(" -> ", " \u2192 ")


def _right(b: Bbox, y=None):
    return b.x1, b.y0 + b.height / 2 if y is None else y


def _left(b: Bbox, y=None):
    return b.x0, b.y0 + b.height / 2 if y is None else y


def draw_advai_ae(model, check: bool = True):
    r"""Draw the AdvAI-AE of ``model`` (an :class:`advai.models.advai_ae.AdvAIAE`): encoder E,
    correction R, decoder G, image critic :math:`D_A`, latent critic :math:`D_R`, the prior and the
    losses with their weights, in the paper's symbols. Returns the figure (checked by
    :func:`check_layout`)."""
    x = torch.zeros(2, model.channels, model.size, model.size)
    z = torch.zeros(2, model.latent)
    enc, dec, crit = ([_pretty(s) for s in layer_summary(net, inp)]
                      for net, inp in ((model.encoder, x), (model.decoder, z), (model.critic, x)))
    r = model.correction  # the authors' whole-code module (advai.latent.whole_code)
    hidden = f"{len(r.embed) // 2} hidden \u00d7 {r.embed[0].out_features:,} units"
    r_body = ["shared MLP E, " + hidden + ":", f"(z\u2081, 1-\u03b1), (z\u2082, \u03b1) \u2192 {r.embed[-1].out_features} each,",
              "summed; MLP B \u2192 bias (d)", "MLP g(\u03b1) reweights z\u2081, z\u2082", f"n_scale = {r.n_scale:g}"]
    c = Canvas(13.0, 6.3)
    top, bottom = 3.55, 1.15
    images = c.box(0.75, top, "images", [r"x, x'", f"{model.channels}\u00d7{model.size}\u00d7{model.size}"], GREY)
    e = c.box_right_of(images, 0.6, top, "Encoder E", enc, BLUE)
    rb = c.box_right_of(e, 1.25, top, "AdvAI R (frozen)", r_body, ORANGE)
    g = c.box_right_of(rb, 1.35, top, "Decoder G", dec, BLUE)
    d = c.box_right_of(g, 0.55, top, "Critic $D_A$", crit, GREEN)
    centre = rb.x0 + rb.width / 2
    dr = c.box(centre, 5.55, "$D_R$ (warm-up only)", ["MLP on the whole code, " + hidden + ";",
                                                      "regresses \u03b1 on latent interpolants, 0 on prior samples"], GREEN)
    prior = c.box(centre, bottom, "prior p(z)", [f"\u03b5 ~ N(0, I_{model.latent})"], GREY)
    targets = c.box(d.x0 + d.width / 2, bottom + 0.35, "$D_A$ targets",
                    ["real mix  \u2192 0", "f(z\u2081,z\u2082,\u03b1) \u2192 \u03b1", "noise mix \u2192 \u03b2",
                     "G(\u03b5)      \u2192 0.5"], GREEN)
    w = model.w
    loss_lines = [rf"$\|x - G(E(x))\|^2 + {w['adv']:g}\,\|D_A(G(f(z_1, z_2, \alpha)))\|^2$",
                  rf"$+ {w['mmd']:g}\,\mathrm{{MMD}}^2(E(x), \varepsilon) + {w['noise']:g}\,\|D_A(G(f(z, \varepsilon, \beta)))\|^2$",
                  rf"$+ {w['fake']:g}\,\|D_A(G(\varepsilon))\|^2$"]
    c.box(g.x0 + g.width / 2 - 0.2, 0.75, r"autoencoder loss $L_{AE}$", loss_lines, "white")
    c.arrow(_right(images), _left(e, images.y0 + images.height / 2))
    c.arrow(_right(e, top), _left(rb, top), r"$z_1, z_2$")
    c.arrow(_right(rb, top), _left(g, top), r"$f(z_1, z_2, \alpha)$")
    c.arrow(_right(g, top), _left(d, top))
    c.arrow((centre, dr.y0), (centre, rb.y1), "warms up R, then frozen", where="right", ls=":")
    c.arrow((centre, prior.y1), (centre, rb.y0), r"noise mix $f(z, \varepsilon, \beta)$", where="right")
    c.arrow((prior.x1, prior.y1 - 0.15), (g.x0 + 0.25, g.y0), r"$G(\varepsilon)$", where="right")
    c.arrow((e.x0 + e.width * 0.6, e.y0), (prior.x0, prior.y0 + prior.height / 2), r"MMD$(E(x), \varepsilon)$",
            where="left", style="<|-|>", ls="--")
    c.arrow((d.x0 + d.width / 2, d.y0), (targets.x0 + targets.width / 2, targets.y1), style="-", ls=":")
    c.ax.set_title(f"AdvAI-AE (latent d = {model.latent}), drawn from advai.models.AdvAIAE", fontsize=11, y=0.97)
    if check:
        check_layout(c)
    return c.fig
