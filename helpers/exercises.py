"""What an exercise asks a student to write themselves.

Several exercises rebuild something the package already has (a numerical gradient, a
dense layer's backward pass, Adam's step). The package's own implementation is marked
with :func:`rebuilt`; while a checker runs the student's function inside
:func:`forbidden`, calling that implementation raises :class:`PackageShortcut`, which
the checker turns into "this exercise asks you to write numerical_gradient yourself".
Outside a check nothing changes: the lessons and the engine call these functions as
usual.

One switch for teachers: ``REQUIRE_OWN_CODE`` (True unless the environment variable
``ENGINE_ALLOW_SHORTCUTS`` is set to 1 when helpers is imported). Set it to False to let
students build on the package's implementations in their answers.

This module imports nothing from the rest of the package, so every engine module can use
:func:`rebuilt` without a circular import.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from contextvars import ContextVar

__all__ = ["REQUIRE_OWN_CODE", "PackageShortcut", "forbidden", "rebuilt", "where"]

REQUIRE_OWN_CODE: bool = os.environ.get("ENGINE_ALLOW_SHORTCUTS", "") not in {"1", "true", "yes"}

# The names forbidden right now (empty outside a check), and the list that records each
# refused call (so a check sees a refusal even if the student's code caught it).
_FORBIDDEN: ContextVar[tuple[frozenset[str], list[str]]] = ContextVar(
    "forbidden", default=(frozenset(), [])
)
# name -> "helpers.module.qualname", filled by @rebuilt (for the message).
_WHERE: dict[str, str] = {}


class PackageShortcut(Exception):  # noqa: N818 - reads as what happened
    """The student's function called the package's implementation of what it rebuilds."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(
            f"this exercise asks you to write {name} yourself; {where(name)} is what you are "
            "rebuilding, so the check does not let your function call it."
        )


def where(name: str) -> str:
    """Where the package's implementation of ``name`` lives, e.g. helpers.gradients.…"""
    return _WHERE.get(name, name)


def rebuilt(name: str) -> Callable[[Callable], Callable]:
    """Mark the package's implementation of ``name``, which an exercise rebuilds.

    The decorated function behaves as before, except inside ``forbidden(name)``, where
    it raises :class:`PackageShortcut`. The cost outside a check is one context
    variable lookup per call.
    """

    def decorate(function: Callable) -> Callable:
        _WHERE[name] = f"{function.__module__}.{function.__qualname__}"

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            names, refused = _FORBIDDEN.get()
            if name in names:
                refused.append(name)
                raise PackageShortcut(name)
            return function(*args, **kwargs)

        wrapper.__rebuilt__ = name
        return wrapper

    return decorate


@contextlib.contextmanager
def forbidden(*names: str) -> Iterator[list[str]]:
    """Inside this block the implementations ``names`` refuse to run (if REQUIRE_OWN_CODE).

    Yields the list of refused calls (names, in order), which stays readable after the
    block: a student's function that catches the refusal is still caught.
    """
    refused: list[str] = []
    if not REQUIRE_OWN_CODE or not names:
        yield refused
        return
    token = _FORBIDDEN.set((_FORBIDDEN.get()[0] | frozenset(names), refused))
    try:
        yield refused
    finally:
        _FORBIDDEN.reset(token)
