"""Input validation shared by the public API.

Every check raises ``ValueError`` whose message names the offending parameter and what
is allowed, so a user sees at once what to change.
"""
from __future__ import annotations

import math
import numbers

import torch


def check_choice(name: str, value, allowed) -> None:
    """Raise unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not supported; allowed values: {', '.join(map(repr, allowed))}")


def check_positive_int(name: str, value) -> int:
    """Return ``value`` as int; raise unless it is a whole number >= 1 (bools are rejected)."""
    whole = isinstance(value, numbers.Integral) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole or value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value!r}")
    return int(value)


def with_defaults(what: str, defaults: dict, overrides: dict) -> dict:
    """``defaults`` updated by ``overrides``; raise naming any unknown key and the allowed ones."""
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise ValueError(f"unknown {what} {sorted(unknown)}; allowed: {sorted(defaults)}")
    return {**defaults, **overrides}


def check_in(name: str, value, interval: str) -> float:
    """Return ``value`` as a float; raise unless it is a finite number (not a bool) in ``interval``,
    written as in mathematics: ``"(0, 1]"``, ``"[0, 1)"``, ``"(0, inf)"``."""
    lo, hi = (float(v) for v in interval[1:-1].split(","))
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or not (lo < value or (interval[0] == "[" and value == lo)) \
            or not (value < hi or (interval[-1] == "]" and value == hi)):
        raise ValueError(f"{name} must be a finite number in {interval}, got {value!r}")
    return float(value)


def check_settings(what: str, settings: dict, rules: dict) -> None:
    """Check every entry of ``settings`` against its rule in ``rules``: an interval (:func:`check_in`),
    ``"int"`` (a positive integer, :func:`check_positive_int`) or a tuple of allowed values; the
    ``ValueError`` names the entry (``"<what> lr must be ..."``). Entries without a rule are an error."""
    for key, value in settings.items():
        rule = rules.get(key)
        if rule is None:
            raise ValueError(f"{what}: no rule checks {key!r} (allowed: {sorted(rules)})")
        if rule == "int":
            check_positive_int(f"{what} {key}", value)
        elif isinstance(rule, tuple):
            check_choice(f"{what} {key}", value, rule)
        else:
            check_in(f"{what} {key}", value, rule)


def check_finite(name: str, x: torch.Tensor) -> None:
    """Raise if the tensor holds NaN or +-inf."""
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or inf values; codes must be finite")


def as_tensor(name: str, x, dtype=None, device=None) -> torch.Tensor:
    """Convert array-likes to a floating tensor, keeping an existing tensor's dtype/device.

    Numbers and arrays go straight to ``dtype`` when it is given (no detour through float32,
    which would turn 1.2 into 1.2000000476837158 in a float64 result).
    """
    if not isinstance(x, torch.Tensor):
        try:
            x = torch.as_tensor(x, dtype=dtype)
        except Exception as exc:  # pragma: no cover - message path
            raise ValueError(f"{name} must be a tensor or array-like, got {type(x).__name__}") from exc
    if not torch.is_floating_point(x):
        x = x.to(torch.get_default_dtype())
    if dtype is not None or device is not None:
        x = x.to(dtype=dtype or x.dtype, device=device or x.device)
    return x


def check_alpha(alpha: torch.Tensor) -> None:
    """Raise unless every mixing coefficient lies in [0, 1] (NaN is rejected)."""
    if torch.isnan(alpha).any():
        raise ValueError("alpha contains NaN; alpha must lie in [0, 1]")
    outside = alpha[(alpha < 0) | (alpha > 1)]
    if outside.numel():
        shown = ", ".join(repr(float(v)) for v in outside.flatten()[:5])  # repr: the exact value, 1.0000001 included
        more = f" and {outside.numel() - 5} more" if outside.numel() > 5 else ""
        raise ValueError(f"alpha must lie in [0, 1]; got {shown}{more} ({outside.numel()} value(s) outside, "
                         f"in a {alpha.dtype} tensor)")


def broadcast_codes(z1: torch.Tensor, z2: torch.Tensor, alpha: torch.Tensor):
    """Broadcast ``z1``, ``z2`` (``[..., d]``) and ``alpha`` to one shape.

    ``alpha`` may be a scalar, one value per sample (shape ``[n]``, read as ``[n, 1]``),
    or one value per coordinate (``[n, d]`` or anything that broadcasts).
    """
    if z1.dim() == 0 or z2.dim() == 0:
        raise ValueError("z1 and z2 must have a trailing coordinate dimension, got scalars")
    if z1.shape[-1] != z2.shape[-1]:
        raise ValueError(f"z1 and z2 must have the same dimension d, got {z1.shape[-1]} and {z2.shape[-1]}")
    try:
        zshape = torch.broadcast_shapes(z1.shape, z2.shape)
    except RuntimeError as exc:
        raise ValueError(f"z1 {tuple(z1.shape)} and z2 {tuple(z2.shape)} do not broadcast") from exc
    if alpha.dim() == 1 and len(zshape) >= 2 and alpha.shape[0] == zshape[-2]:
        alpha = alpha.unsqueeze(-1)  # one alpha per sample (takes precedence when n == d)
    try:
        shape = torch.broadcast_shapes(z1.shape, z2.shape, alpha.shape)
    except RuntimeError as exc:
        raise ValueError(
            f"shapes do not broadcast: z1 {tuple(z1.shape)}, z2 {tuple(z2.shape)}, alpha {tuple(alpha.shape)}; "
            "alpha must be a scalar, [n] (per sample) or [n, d] (per coordinate)"
        ) from exc
    return z1.expand(shape), z2.expand(shape), alpha.to(z1.dtype).expand(shape)

