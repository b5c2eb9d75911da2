"""The worker warm-up (kobepost/warmup.py, called by deploy/gunicorn.conf.py): it leaves the
process with its templates compiled, and a step that fails never stops the worker."""

import logging

import pytest
from django.template import engines

from kobepost import warmup


@pytest.mark.django_db
def test_warm_up_compiles_the_templates_and_runs_every_step():
    timings = warmup.warm_up()
    assert list(timings) == [name for name, _step in warmup.STEPS]
    names = warmup._project_template_names()
    assert "callcenter/case_list.html" in names and "base.html" in names
    # The cached loader now holds the list's template: a first request does not compile it.
    loader = engines["django"].engine.template_loaders[0]
    assert "callcenter/case_list.html" in loader.get_template_cache


@pytest.mark.django_db
def test_a_failing_step_is_logged_and_the_others_still_run(monkeypatch, caplog):
    ran = []

    def down() -> None:
        raise OSError("database is down")

    monkeypatch.setattr(warmup, "STEPS", (("database", down), ("urls", lambda: ran.append(1))))
    with caplog.at_level(logging.WARNING, logger="kobepost.warmup"):
        timings = warmup.warm_up()
    assert set(timings) == {"database", "urls"} and ran == [1]
    assert "warm-up step database failed" in caplog.text


def test_gunicorn_warms_each_worker(monkeypatch):
    import runpy

    called = []
    monkeypatch.setattr(warmup, "warm_up", lambda: called.append(True))
    config = runpy.run_path("deploy/gunicorn.conf.py")
    config["post_worker_init"](worker=None)
    assert called == [True]
