"""The cycle collector is paused on hot paths and always comes back as it was."""

from __future__ import annotations

import gc
import sys
import threading

import pytest

from tracker.runtime import collector_paused


def test_the_collector_is_off_inside_and_on_again_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_inside_still_turns_it_back_on() -> None:
    with pytest.raises(ValueError, match="boom"), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_already_off_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_sections_racing_on_many_threads_leave_it_on() -> None:
    def work() -> None:
        for _ in range(2000):
            with collector_paused():
                pass

    # Threads switching every microsecond: an unlocked check-then-disable lost the collector
    # in about half of such runs.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(3):
            threads = [threading.Thread(target=work) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert gc.isenabled()
    finally:
        sys.setswitchinterval(interval)


def test_overlapping_sections_leave_it_on() -> None:
    outer = collector_paused()
    outer.__enter__()
    with collector_paused():
        pass
    assert not gc.isenabled()  # the outer section is still running
    outer.__exit__(None, None, None)
    assert gc.isenabled()
