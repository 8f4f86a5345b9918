"""The pinned floating-point environment (advai.numerics): a fit's weights do not depend on the
thread count or on the vector-instruction settings a machine brings, bit for bit.

Each fit runs in a fresh interpreter (the kernel libraries read their variables once). The
environments compared: pinned at 1 and 2 threads, and pinned in a process that arrives with the
settings of a less capable machine (MKL limited to SSE4.2, oneDNN to SSE4.1, ATen's default
kernels), which the pin must override. As a check that the comparison can see a difference,
the same less-capable settings without the pin (``ADVAI_NUMERICS=native``) must change the
autoencoder's weights. An AVX-512 machine is not available here: on one, the first comparison
also covers its native kernels against the AVX2 ones the pin selects.
"""
import os
import subprocess
import sys

import pytest

from advai import numerics

CHILD = """
import hashlib, sys, torch
import advai
from advai.models import fit_model
torch.set_num_threads(int(sys.argv[1]))
images = torch.rand(256, 1, 32, 32, generator=torch.Generator().manual_seed(0))
out = []
for model in (advai.fit_advai("nine_discs", 2, steps=80, seed=0, progress=False, resume=False),
              fit_model("ae", images, latent=16, steps=10, seed=0, progress=False, resume=False)):
    h = hashlib.sha256()
    for k, v in sorted(model.state_dict().items()):
        h.update(k.encode() + v.detach().cpu().numpy().tobytes())
    out.append(h.hexdigest())
print(" ".join(out))
"""
WEAKER = {"MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "DNNL_MAX_CPU_ISA": "SSE41", "ATEN_CPU_CAPABILITY": "default"}


def weights(threads: int, **env) -> list[str]:
    """Hashes of a short AdvAI fit's and a short AE fit's weights, trained in a fresh interpreter."""
    base = {k: v for k, v in os.environ.items() if k not in (*numerics.PINNED, *numerics.OVERRIDES, "ADVAI_NUMERICS")}
    done = subprocess.run([sys.executable, "-c", CHILD, str(threads)], env={**base, **env}, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.split()


@pytest.fixture(scope="module")
def pinned_one_thread():
    return weights(1)


def test_pinned_weights_do_not_depend_on_threads_or_a_less_capable_machines_settings(pinned_one_thread):
    assert weights(2, **WEAKER) == pinned_one_thread


def test_the_comparison_sees_a_change_of_kernels(pinned_one_thread):
    native = weights(1, ADVAI_NUMERICS="native", **WEAKER)
    assert native[1] != pinned_one_thread[1], "the AE's weights did not move with oneDNN limited to SSE4.1"


def test_pin_sets_and_removes_variables():
    env = {"MKL_ENABLE_INSTRUCTIONS": "AVX512", "MKL_CBWR": "AUTO"}
    numerics.pin(env)
    assert {k: env[k] for k in numerics.PINNED} == numerics.PINNED and "MKL_ENABLE_INSTRUCTIONS" not in env
    native = {"ADVAI_NUMERICS": "native", "MKL_CBWR": "AUTO"}
    numerics.pin(native)
    assert native == {"ADVAI_NUMERICS": "native", "MKL_CBWR": "AUTO"}


def test_unknown_numerics_mode_is_refused():
    with pytest.raises(ValueError, match="ADVAI_NUMERICS='fast'"):
        numerics.pin({"ADVAI_NUMERICS": "fast"})


def test_identity_names_device_and_threads_only_when_native(monkeypatch):
    assert numerics.identity("cpu") == {**numerics.settings(), "device": "cpu"}
    monkeypatch.setenv("ADVAI_NUMERICS", "native")
    assert "threads" in numerics.identity("cpu")


def test_describe_reports_the_machine():
    d = numerics.describe()
    assert d["mode"] == "pinned" and d["MKL_CBWR"] == "AVX2,STRICT" and d["threads"] >= 1 and d["cpu"]


def test_the_numerics_benchmark_reads_both_benchmarks_lines():
    from scripts_under_test import load_script

    out = ("machine: x86_64 Linux, device: CPU (2 threads), torch 2.13.0+cpu\n"
           "gaussian  d=2   factorized 3000 steps:   31.7 s,     95 steps/s | AdvAI/LineIntp 0.1\n"
           "gaussian  d=64  factorized 3000 steps:   38.2 s,     79 steps/s | AdvAI/LineIntp 0.2\n"
           "AE            2845 training images/s\nAdvAI-AE       558 training images/s\n")
    got = load_script("bench_numerics").measures(out)
    assert got == {"AdvAI gaussian d=2 factorized (s)": 31.7, "AdvAI gaussian d=64 factorized (s)": 38.2,
                   "AE (images/s)": 2845.0, "AdvAI-AE (images/s)": 558.0}
