r"""Flow-matched interpolation: Agustsson's Gaussian operator carried to any prior by a learned
transport map (a normalizing flow), :func:`fit_flow` and :func:`load_flow`.

A normalizing flow :math:`T` maps prior samples to a standard Gaussian; it is fitted by maximum
likelihood on samples from the prior's sampler, :math:`\min_T -E_{z \sim p}\log N(T(z); 0, I)
- \log|\det \partial T / \partial z|`. The interpolant is

.. math:: f(z_1, z_2, \alpha) = T^{-1}\!\left(\frac{(1-\alpha)\,T(z_1) + \alpha\,T(z_2)}
          {\sqrt{(1-\alpha)^2 + \alpha^2}}\right).

If :math:`T` is exact, :math:`T(z_1)` and :math:`T(z_2)` are independent standard Gaussians, the
bracket is a standard Gaussian for every alpha (the matched operator of Agustsson et al., ICLR
2019, ``method="ot"`` on the Gaussian prior), so :math:`f` follows the prior exactly; at alpha 0
and 1 it returns :math:`z_1` and :math:`z_2` up to the inverse's round-off. What is left is the
flow's own error: a flow is a continuous bijection of :math:`R^d`, so between separated modes
it keeps thin bridges of mass, and its midpoints land off the support as often as its samples do.

The flow is ``zuko``'s neural spline flow (:class:`zuko.flows.NSF`: ``transforms`` masked
autoregressive layers of monotonic rational-quadratic splines with ``bins`` bins on [-5, 5],
identity outside, each conditioned by a ``layers``-layer MLP of ``hidden`` units; coordinates
reversed between layers) after a fixed affine standardisation :math:`(z - \mu)/\sigma` per
coordinate, :math:`\mu, \sigma` from ``n_standardize`` prior samples drawn before the first step.
Adam with learning rate ``lr`` decayed by a cosine to 0 over the fit (the rate is computed from
Adam's own step count, so a resumed fit follows the same schedule). Trained through the study's
harness (:func:`advai.train.fit`): seeded, checkpointed, resumable, cached by configuration and code.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import zuko

from .. import memory
from ..checks import (as_tensor, broadcast_codes, check_alpha, check_finite, check_positive_int, check_settings,
                      with_defaults)
from ..files import read_torch_file, write_torch_file
from ..train import CHECKPOINT_FORMAT, Draws, Trainable, check_history, check_tensors, fit
from .advai_fit import make_sampler

FLOW_FORMAT = "advai-flow-interpolator"
#: The library's defaults, chosen on the study's priors (scripts/flow_priors.py, tab-flow-settings)
#: and then left alone.
FLOW_DEFAULTS = dict(transforms=4, bins=32, hidden=128, layers=2, batch_size=512, lr=1e-3, n_standardize=65536)
#: What every setting may be (:func:`advai.checks.check_settings`), checked before a fit starts.
FLOW_RULES = dict(transforms="int", bins="int", hidden="int", layers="int", batch_size="int", lr="(0, 1]",
                  n_standardize="int")


@dataclass
class FlowConfig:
    """The flow's architecture: enough to rebuild it from a file. Every field must be a positive
    integer (a ``ValueError`` names it), checked when the configuration is made, so a file that
    stores another one is refused before anything is built."""
    dim: int
    transforms: int
    bins: int
    hidden: int
    layers: int

    def __post_init__(self):
        for key in ("dim", "transforms", "bins", "hidden", "layers"):
            setattr(self, key, check_positive_int(f"flow {key}", getattr(self, key)))


def flow_bytes(cfg: FlowConfig) -> int:
    r"""Bytes of the parameters and buffers of :class:`Flow` ``(cfg)``, from the architecture alone
    (zuko's masked layers cannot be built on the meta device). Each of the ``transforms`` layers is
    an MLP from :math:`d` = ``dim`` inputs through ``layers`` hidden layers of :math:`h` = ``hidden``
    units to :math:`d(3b - 1)` outputs, :math:`b` = ``bins`` (per coordinate, a spline's :math:`b`
    widths, :math:`b` heights and :math:`b - 1` inner derivatives): :math:`W = dh + (l - 1)h^2 +
    h d (3b - 1)` weights and :math:`lh + d(3b - 1)` biases in float32, and a boolean mask of every
    weight; plus the order of the coordinates and the standardisation, :math:`O(d)`. An upper bound
    (zuko drops masked rows it can share); ``tests/test_flow.py`` compares it with built flows."""
    d, h, l, out = cfg.dim, cfg.hidden, cfg.layers, cfg.dim * (3 * cfg.bins - 1)
    weights, biases = d * h + (l - 1) * h * h + h * out, l * h + out
    return cfg.transforms * (5 * weights + 4 * biases + 8 * d) + 64 * d


class Flow(torch.nn.Module):
    r"""The transport map :math:`T(z) = S((z - \mu)/\sigma)`, ``S`` a neural spline flow onto N(0, I).

    :meth:`forward` is :math:`T`, :meth:`inverse` is :math:`T^{-1}`, :meth:`log_prob` the model's
    log-density of prior samples (change of variables), :meth:`sample` draws :math:`T^{-1}(N(0, I))`."""

    def __init__(self, cfg: FlowConfig):
        super().__init__()
        self.cfg = cfg
        self.nsf = zuko.flows.NSF(cfg.dim, bins=cfg.bins, transforms=cfg.transforms,
                                  hidden_features=(cfg.hidden,) * cfg.layers)
        self.register_buffer("mean", torch.zeros(cfg.dim))
        self.register_buffer("scale", torch.ones(cfg.dim))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.nsf().transform((z - self.mean) / self.scale)

    def inverse(self, u: torch.Tensor) -> torch.Tensor:
        return self.nsf().transform.inv(u) * self.scale + self.mean

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        return self.nsf().log_prob((z - self.mean) / self.scale) - self.scale.log().sum()

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        u = torch.randn(n, self.cfg.dim, generator=generator).to(self.mean.device)
        with torch.no_grad():
            return self.inverse(u)


def gaussian_operator(u1: torch.Tensor, u2: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    r"""Agustsson's matched operator for N(0, I): :math:`((1-\alpha) u_1 + \alpha u_2) / \sqrt{(1-\alpha)^2 + \alpha^2}`."""
    return ((1 - alpha) * u1 + alpha * u2) / torch.sqrt((1 - alpha) ** 2 + alpha ** 2)


class FlowTraining(Trainable):
    """Maximum likelihood of the flow on prior samples, one Adam step a batch, the learning rate on a
    cosine from ``lr`` to 0 over ``steps`` (from Adam's step count: resumes on the same schedule)."""

    def __init__(self, cfg: FlowConfig, hp: dict, steps: int, sample):
        super().__init__()
        self.flow, self.hp, self.steps, self._sample = Flow(cfg), hp, steps, sample

    def prepare(self, seed, cache, resume, progress) -> None:
        z = self._sample(self.hp["n_standardize"]).double()
        self.flow.mean.copy_(z.mean(0).float())
        self.flow.scale.copy_(z.std(0).clamp_min(1e-6).float())

    def parameter_groups(self):
        return {"flow": list(self.flow.parameters())}

    def configure_optimizers(self, train: dict):
        return {"flow": torch.optim.Adam(self.flow.parameters(), lr=train["lr"])}

    def train_step(self, batch: tuple, optimizers: dict) -> dict[str, float]:
        opt = optimizers["flow"]
        done = opt.state[opt.param_groups[0]["params"][0]].get("step", torch.tensor(0.0))
        for group in opt.param_groups:
            group["lr"] = self.hp["lr"] * 0.5 * (1 + math.cos(math.pi * float(done) / self.steps))
        (z,) = batch
        loss = -self.flow.log_prob(z).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return {"nll": float(loss.detach())}


class FlowInterpolator(torch.nn.Module):
    r"""A fitted flow-matched interpolator; call it like ``f(z1, z2, alpha)``.

    Use through ``advai.interpolate(z1, z2, alpha, method="flow", model=fl)`` (which also pins the
    endpoints exactly) or directly (the endpoints then carry the inverse's round-off).
    ``flow`` is the transport map (:class:`Flow`: ``flow.sample(n)`` draws from the model);
    ``history`` the training loss (``nll``); ``meta`` the fit's settings and wall time."""

    def __init__(self, cfg: FlowConfig, flow: Flow | None = None, history=None, meta=None):
        super().__init__()
        self.cfg = cfg
        self.flow = flow if flow is not None else Flow(cfg)
        self.flow.requires_grad_(False).eval()
        self.history = history or {}
        self.meta = meta or {}

    @property
    def dim(self) -> int:
        return self.cfg.dim

    @property
    def device(self):
        return self.flow.mean.device

    def forward(self, z1, z2, alpha):
        z1 = as_tensor("z1", z1)
        z2 = as_tensor("z2", z2, dtype=z1.dtype)
        alpha = as_tensor("alpha", alpha, dtype=z1.dtype)
        check_finite("z1", z1)
        check_finite("z2", z2)
        check_alpha(alpha)
        if z1.shape[-1] != self.dim or z2.shape[-1] != self.dim:
            raise ValueError(f"codes have dimension {z1.shape[-1]}/{z2.shape[-1]} but the flow was fitted for dim={self.dim}")
        z1, z2, alpha = broadcast_codes(z1, z2, alpha)
        shape, where, dtype = z1.shape, z1.device, z1.dtype
        z1, z2, alpha = (t.reshape(-1, self.dim).to(self.device, torch.float32) for t in (z1, z2, alpha))
        with torch.no_grad():
            f = self.flow.inverse(gaussian_operator(self.flow(z1), self.flow(z2), alpha))
        return f.to(where, dtype).reshape(shape)

    def save(self, path) -> None:
        """Write the interpolator (architecture, weights, standardisation, history, meta) to ``path``."""
        write_torch_file(path, {"format": FLOW_FORMAT, "config": asdict(self.cfg),
                                "state": {k: v.cpu() for k, v in self.flow.state_dict().items()},
                                "history": self.history, "meta": self.meta})


def fit_flow(sampler, dim: int | None = None, steps: int = 5000, seed: int = 0, device: str | None = None,
             checkpoint=None, cache=None, checkpoint_every: int = 500, resume: bool = True, progress: bool = True,
             log_every: int = 10, callback=None, name: str | None = None, **hparams) -> FlowInterpolator:
    """Fit the flow-matched interpolator to ``sampler`` (a prior name or a callable ``n -> [n, dim]``).

    ``hparams`` override :data:`FLOW_DEFAULTS` (``transforms, bins, hidden, layers, batch_size, lr,
    n_standardize``), each checked against :data:`FLOW_RULES` before anything runs (a
    ``ValueError`` names the setting). ``checkpoint``/``cache``/``resume``/``progress``/``log_every``
    and ``callback(step, log)`` as in :func:`advai.fit_advai` (the harness, :func:`advai.train.fit`;
    ``log`` has ``nll``, the batch's negative log-likelihood). ``name`` labels the run;
    give callable samplers distinct names to keep their cached runs apart.
    """
    hp = with_defaults("flow settings", FLOW_DEFAULTS, hparams)
    check_settings("flow setting", hp, FLOW_RULES)
    steps = check_positive_int("steps", steps)
    sample, dim, name = make_sampler(sampler, dim, name)
    cfg = FlowConfig(dim=dim, transforms=hp["transforms"], bins=hp["bins"], hidden=hp["hidden"], layers=hp["layers"])
    # the standardisation's draws: float32 from the sampler, a float64 copy and its centred square
    memory.require(hp["n_standardize"] * dim * (4 + 8 + 8), f"fit_flow n_standardize={hp['n_standardize']} dim={dim}",
                   advice="choose a smaller n_standardize (or dim)")
    # the learning rate's schedule spans the whole fit, so its length is part of what is trained:
    # a fit of another length is another run (not a continuation of this one)
    identity = {"kind": "flow", "sampler": name, "dim": dim, "model": asdict(cfg), "schedule_steps": steps,
                "zuko": zuko.__version__}
    trained = fit(lambda: FlowTraining(cfg, hp, steps, sample), Draws(sample, hp["batch_size"]), identity, hp,
                  code=(FlowTraining, make_sampler), steps=steps, seed=seed, device=device, checkpoint=checkpoint,
                  cache=cache, checkpoint_every=checkpoint_every, resume=resume, progress=progress,
                  log_every=log_every, callback=callback, desc=f"flow {name} d={dim}", model_bytes=flow_bytes(cfg))
    meta = dict(trained.fit_config, fit_seconds=trained.fit_seconds)
    return FlowInterpolator(cfg, trained.flow, history=trained.history, meta=meta)


def load_flow(path, device: str = "cpu") -> FlowInterpolator:
    """Load an interpolator written by :meth:`FlowInterpolator.save` (or a finished fit's checkpoint),
    read without running code and checked against its digest (:func:`advai.files.read_torch_file`);
    weights must be finite tensors that fit the stored architecture. Anything else is a
    ``ValueError`` naming the file (and the field)."""
    blob = read_torch_file(path, "flow file")
    try:
        if blob.get("format") == CHECKPOINT_FORMAT and blob["config"].get("kind") == "flow":
            cfg = FlowConfig(**blob["config"]["model"])
            state = {k.removeprefix("flow."): v for k, v in blob["model"].items() if k.startswith("flow.")}
            history, meta = blob["history"], dict(blob["config"], fit_seconds=blob["seconds"])
        elif blob.get("format") == FLOW_FORMAT:
            cfg, state, history, meta = FlowConfig(**blob["config"]), blob["state"], blob["history"], blob["meta"]
        else:
            cfg = None  # refused below, outside the handler that words a refused architecture
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"flow file {path} is incomplete: missing or malformed {exc}") from exc
    except ValueError as exc:
        raise ValueError(f"flow file {path}: stored architecture refused: {exc}") from exc
    if cfg is None:
        raise ValueError(f"{path} is not a flow interpolator file (format={blob.get('format')!r})")
    memory.require(flow_bytes(cfg), f"flow file {path}: its architecture {asdict(cfg)}", advice="the file is not trusted")
    check_tensors(path, "state", state, "flow file")
    check_history(path, history, "flow file")
    if not isinstance(meta, dict):
        raise ValueError(f"flow file {path}: field 'meta' must be a dict, found {type(meta).__name__}")
    fl = FlowInterpolator(cfg, history=history, meta=meta)
    try:
        fl.flow.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(f"{path}: weights do not match the stored configuration: {exc}") from exc
    return fl.to(device)
