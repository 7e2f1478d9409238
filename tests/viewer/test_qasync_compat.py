"""desktop.platform.qasync_compat: task steps that qasync runs in its last pass, after the loop
stopped, see the loop as the running one (qasync #176), in a bare loop and in aio.run.

Python 3.14's tasks check, at every step, that the task's loop is the thread's running loop, and
refuse the step otherwise ("loop … is not the running loop"). Each test runs twice on whatever
interpreter runs it (CI: every CPython 3.11-3.14 it has, .ci/interpreters): with the interpreter's
own tasks, where a coroutine that asks for the running loop each time it resumes sees what 3.14
checks, and with tasks that make 3.14's check themselves, so that its refusal happens here too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import qasync

from desktop.platform import aio
from desktop.platform.qasync_compat import QEventLoop


class Spinner:
    """A task that yields to the loop at every step, so a step is always due, also in the pass
    qasync makes after the loop stopped, and notes whether each step saw ``loop`` as running."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.saw_running: list[bool] = []
        self.errors: list[dict[str, Any]] = []
        # A refused step never reaches the coroutine; the refusal goes to the handler.
        loop.set_exception_handler(lambda _, context: self.errors.append(context))

    async def spin(self) -> None:
        while True:
            try:
                self.saw_running.append(asyncio.get_running_loop() is self.loop)
            except RuntimeError:  # "no running event loop"
                self.saw_running.append(False)
            await asyncio.sleep(0)

    def run(self) -> None:
        async def main() -> None:
            asyncio.get_running_loop().create_task(self.spin())
            await asyncio.sleep(0.05)

        self.loop.run_until_complete(main())

    def refused(self) -> list[str]:
        messages = [str(context.get("exception")) for context in self.errors]
        return [m for m in messages if "is not the running loop" in m]


def finish(loop: asyncio.AbstractEventLoop) -> None:
    tasks = asyncio.all_tasks(loop)
    for task in tasks:
        task.cancel()
    if tasks:  # bounded: a task whose step was refused never comes back
        loop.run_until_complete(asyncio.wait(tasks, timeout=1.0))
    loop.close()


@pytest.fixture(params=[False, True], ids=["own tasks", "tasks checked as on 3.14"])
def checked(request) -> bool:
    return request.param


@pytest.fixture
def make_loop(
    checked: bool, qapp, monkeypatch
) -> Iterator[Callable[[type], asyncio.AbstractEventLoop]]:
    """Makes loops of a given class; when ``checked``, their tasks step as on 3.14."""
    if checked:
        check_steps_as_on_3_14(monkeypatch)
    made: list[asyncio.AbstractEventLoop] = []

    def make(loop_class: type) -> asyncio.AbstractEventLoop:
        loop = loop_class(qapp)
        if checked:
            loop.set_task_factory(python_task)
        made.append(loop)
        return loop

    yield make
    for loop in made:
        finish(loop)


def check_steps_as_on_3_14(monkeypatch) -> None:
    """Python tasks (``python_task``) step through ``asyncio.tasks._enter_task``: made to refuse
    a step as 3.14's C ``enter_task`` does, when the task's loop is not the running loop."""
    enter_task = asyncio.tasks._enter_task

    def enter_task_as_on_3_14(loop: asyncio.AbstractEventLoop, task: asyncio.Task) -> None:
        if asyncio.events._get_running_loop() is not loop:
            raise RuntimeError(f"loop {loop!r} is not the running loop")
        enter_task(loop, task)

    monkeypatch.setattr(asyncio.tasks, "_enter_task", enter_task_as_on_3_14)


def python_task(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task:
    return asyncio.tasks._PyTask(coro, loop=loop, **kwargs)


def test_plain_qasync_steps_a_task_with_no_running_loop(make_loop, checked: bool) -> None:
    """The defect the shim exists for, shown on this interpreter: if this fails, qasync no longer
    has it, and the compat module's QEventLoop can go (see its docstring)."""
    spinner = Spinner(make_loop(qasync.QEventLoop))
    spinner.run()
    if checked or spinner.refused():
        assert spinner.refused(), spinner.errors  # as on 3.14: the step is refused
    else:
        assert False in spinner.saw_running  # before 3.14: it runs, without a running loop


def test_every_step_sees_the_loop_running_also_in_qasyncs_last_pass(make_loop) -> None:
    spinner = Spinner(make_loop(QEventLoop))
    spinner.run()
    assert spinner.errors == []
    assert len(spinner.saw_running) > 1
    assert all(spinner.saw_running), spinner.saw_running
    with pytest.raises(RuntimeError):  # and the running loop is unset again afterwards
        asyncio.get_running_loop()


def test_a_loop_stopped_before_the_future_is_done_still_says_so(make_loop) -> None:
    loop = make_loop(QEventLoop)

    async def never() -> None:
        await loop.create_future()

    loop.call_later(0.01, loop.stop)
    with pytest.raises(RuntimeError, match="stopped before Future completed"):
        loop.run_until_complete(never())
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()


def test_the_bootstrap_never_steps_a_task_outside_its_running_loop(
    checked: bool, monkeypatch, qapp, caplog
) -> None:
    """aio.run's whole life (the main task, the cleanup of leftovers, Runner.close) beside a task
    that always has a step due, so also in every last pass qasync makes."""
    if checked:
        check_steps_as_on_3_14(monkeypatch)

        class CheckedLoop(QEventLoop):
            def __init__(self, app: Any) -> None:
                super().__init__(app)
                self.set_task_factory(python_task)

        monkeypatch.setattr(aio, "QEventLoop", CheckedLoop)
    spinners: list[Spinner] = []

    async def main() -> int:
        spinner = Spinner(asyncio.get_running_loop())
        spinners.append(spinner)
        asyncio.get_running_loop().create_task(spinner.spin(), name="spinner")
        await asyncio.sleep(0.05)
        return 7

    assert aio.run(main, qapp, handle_signals=False, shutdown_timeout=2.0) == 7
    assert spinners[0].errors == []
    assert all(spinners[0].saw_running)
    assert "ignored cancellation" not in caplog.text
