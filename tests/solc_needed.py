"""What the tests that compile Solidity share: whether a real solc 0.8.37 is here, and one clear skip when it is
not (a fresh clone without Node: `make test` runs the rest; CI runs `make solc` first, so they run there)."""

from __future__ import annotations

import pytest

from ecny_sim.chain import compiler
from ecny_sim.chain.compiler import CompilerError, NoCompilerError

REASON = "no solc 0.8.37 here (run `make solc` with Node 20, or set SOLC)"


def real_compiler_available() -> bool:
    try:
        with compiler.find_compiler():
            return True
    except NoCompilerError:
        return False
    except CompilerError:
        return True  # e.g. a wrong version: let the tests run and fail with its message


needs_solc = pytest.mark.skipif(not real_compiler_available(), reason=REASON)
