"""Which built-in artifacts a user's contracts stand in for, while a run uses them (``--contracts DIR``).

``compiler.load_artifact`` asks :func:`override` first, and a manifest's hashes come through
:func:`artifact_hashes`; ``user_contracts`` builds what is installed here. Kept apart so that the compiler
does not import the user's build (nor the other way round).
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any, Iterator, Mapping, Protocol


class Installed(Protocol):
    """A user's build as the overlay sees it: the built-in name -> the artifact and its hash."""

    def artifacts(self) -> dict[str, tuple[dict[str, Any], str]]: ...


_active: Any = None


@contextlib.contextmanager
def active(build: Any) -> Iterator[Any]:
    """While inside, the built-in artifacts ``build`` replaces load as the user's (None: no change)."""
    global _active
    before = _active
    _active = build if build is not None else before
    try:
        yield build
    finally:
        _active = before


def current() -> Any:
    """The build in use (a ``user_contracts.UserBuild``), or None."""
    return _active


def override(name: str) -> dict[str, Any] | None:
    """The user's artifact standing in for built-in ``name`` (a copy), if a build is active."""
    if _active is None:
        return None
    found = _active.artifacts().get(name)
    return copy.deepcopy(found[0]) if found is not None else None


def artifact_hashes(installed: Mapping[str, str]) -> dict[str, str]:
    """The installed artifacts' hashes, the active build's in place of those it replaces."""
    hashes = dict(installed)
    if _active is not None:
        hashes.update({name: digest for name, (_, digest) in _active.artifacts().items()})
    return dict(sorted(hashes.items()))
