"""netspec's harness: the shim client, the pytest plugin, the spec reader.

Conformance tests import what they need from here:

    from netspec_harness import req, needs, Threw, UNDEFINED, peer
"""
import pytest

from .shim import Threw, ShimError
from .values import UNDEFINED, NetError

req = pytest.mark.req            # @req("SERVER.LISTEN.EADDRINUSE.1", ...)
needs = pytest.mark.needs        # @needs("pipe")
reliability = pytest.mark.reliability

__all__ = ["req", "needs", "reliability", "Threw", "ShimError", "UNDEFINED", "NetError"]
