"""Groups of command-line options declared once and shared by several commands.

A group is a frozen dataclass whose fields carry their typer option in ``Annotated`` (see
:mod:`memtwin.cli.options` and :mod:`memtwin.cli.loading`). A command takes the whole group as one
parameter, and :func:`with_flags` shows the group's options in that parameter's place::

    @with_flags(ExperimentFlags, omit={"variants"}, device="hfs2-xhameni2025")
    def ablate(flags: ExperimentFlags, out: Out = None) -> None:
        config = flags.experiment_config()

Typer reads a command's options from its signature, so the decorator gives the command a signature in
which the group's parameter is replaced by the group's fields, and builds the group from them on every
call. An option is thus declared once (in the group) and forwarded once (as the group).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

R = TypeVar("R")


def with_flags(
    group: type, /, *, omit: Iterable[str] = (), **defaults: Any
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Decorator: the command's parameter annotated ``group`` becomes the group's options, less the
    fields in ``omit`` (they keep the group's default), each with ``defaults``' value where given."""
    fields = {f.name: f for f in dataclasses.fields(group)}
    unknown = (set(omit) | set(defaults)) - set(fields)
    if unknown:
        raise TypeError(f"{group.__name__} has no field {', '.join(sorted(unknown))}")
    hints = typing.get_type_hints(group, include_extras=True)
    shown = [name for name in fields if name not in set(omit)]
    options = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=hints[name],
            default=defaults.get(name, fields[name].default),
        )
        for name in shown
    ]

    def decorate(command: Callable[..., R]) -> Callable[..., R]:
        signature = inspect.signature(command, eval_str=True)
        slot = _slot(command, signature, group)
        parameters: list[inspect.Parameter] = []
        for parameter in signature.parameters.values():
            parameters += options if parameter is slot else [parameter.replace(kind=parameter.KEYWORD_ONLY)]
        names = [p.name for p in parameters]
        if len(set(names)) != len(names):
            raise TypeError(f"{command.__name__}: an option of {group.__name__} repeats one of its own")

        @functools.wraps(command)
        def command_with_group(**kwargs: Any) -> R:
            values = {name: kwargs.pop(name) for name in shown}
            return command(**kwargs, **{slot.name: group(**values)})

        command_with_group.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        # typer also reads the annotations (evaluated, not the strings of `from __future__ import annotations`)
        command_with_group.__annotations__ = {p.name: p.annotation for p in parameters}
        return command_with_group

    return decorate


def _slot(command: Callable[..., Any], signature: inspect.Signature, group: type) -> inspect.Parameter:
    for parameter in signature.parameters.values():
        if parameter.annotation is group:
            return parameter
    raise TypeError(f"{command.__name__} has no parameter of type {group.__name__}")
