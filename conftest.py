"""Doctests of ``civictext/`` run with the test suite (pyproject: ``--doctest-modules``
over ``testpaths = ["tests", "civictext"]``).

Each example runs from the repository root (examples read ``corpus/``), with a
token cache of its own, and without network: a connection to anything but the
loopback interface fails. Examples that need the network or the shared corpora
are marked ``# doctest: +SKIP``.
"""
from __future__ import annotations

import socket
from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem

ROOT = Path(__file__).resolve().parent
_LOOPBACK = ("127.", "::1", "localhost")


@pytest.fixture(autouse=True)
def _doctest_sandbox(request, tmp_path_factory, monkeypatch):
    if not isinstance(request.node, DoctestItem):
        yield
        return
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CIVICTEXT_CACHE", str(tmp_path_factory.mktemp("doctest-cache")))
    real_connect = socket.socket.connect

    def loopback_only(self, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        if isinstance(host, str) and not host.startswith(_LOOPBACK) and self.family != socket.AF_UNIX:
            raise OSError(f"doctests run without network; {request.node.name} tried {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    yield
