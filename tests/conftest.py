"""Fixtures shared by the unit tests."""
import advai  # noqa: F401  (first: pins the floating-point environment before torch computes)
import pytest


class CodeRunningPayload:
    """Unpickling this creates a file: a stand-in for code hidden in a shared model file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def evil_payload(tmp_path):
    """``(payload, marker)``: a pickled ``payload`` would create the file ``marker`` when loaded."""
    marker = tmp_path / "code-ran"
    return CodeRunningPayload(str(marker)), marker
