"""Analysis under a time and memory bound.

The detectors' own costs follow the size of what they read (tested and benchmarked), so small
inputs run in this process. Inputs over `in_process_bytes` (old and new text plus the history
texts) run in a forked child with an address-space limit and are killed past `seconds`: a
pathological page can cost that much time at most, never a hung poll or an exhausted machine.
A run that did not finish gives None; the pipeline then tells staff, so nothing is lost
silently.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import resource
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from detectors.base import Context, Detector
from detectors.model import Event, Finding

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Guard:
    seconds: float = 60.0
    memory_mb: int = 1024
    in_process_bytes: int = 256_000

    def run(self, detectors: Sequence[Detector], event: Event, context: Context
            ) -> list[Finding] | None:
        """Every detector's findings, or None when the bound stopped the analysis."""
        return self.call(run_all, (detectors, event, context), input_size(context))

    def call(self, function: Callable[..., T], args: tuple[Any, ...], size: int) -> T | None:
        """function(*args), in a bounded child when `size` (bytes of input) is large; None
        when the bound stopped it. `function` must be pure: the child's effects are lost."""
        if size <= self.in_process_bytes or not _can_fork():
            return function(*args)
        return self._in_child(function, args)

    def _in_child(self, function: Callable[..., T], args: tuple[Any, ...]) -> T | None:
        ctx = multiprocessing.get_context("fork")
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_child, args=(send, function, args, self.memory_mb),
                            daemon=True)
        child.start()
        send.close()
        try:
            if receive.poll(self.seconds):
                return receive.recv()
            return None
        except (EOFError, OSError):  # the child died: out of memory, or killed
            return None
        finally:
            receive.close()
            if child.is_alive():
                child.kill()
            child.join(5)


def input_size(context: Context) -> int:
    return (len(context.old_text or "") + len(context.new_text or "")
            + sum(len(r.text or "") for r in context.history))


def run_all(detectors: Sequence[Detector], event: Event, context: Context) -> list[Finding]:
    findings: list[Finding] = []
    for detector in detectors:
        try:
            findings.extend(detector.detect(event, context))
        except MemoryError:  # the bound, not a bug: the whole analysis stops
            raise
        except Exception:  # a detector bug must not stop the poll or lose the others
            # no event key or name: logs must not point at a party of a confidential ban
            log.exception("wiki %s: detector %s failed on an event", event.wiki,
                          detector.name)
    return findings


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _child(send, function, args, memory_mb: int) -> None:  # pragma: no cover
    """In the forked child: limit memory, run, send the result back, exit at once."""
    try:
        limit = _current_vm_bytes() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        send.send(function(*args))
    except BaseException:
        pass
    finally:
        os._exit(0)


def _current_vm_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0
