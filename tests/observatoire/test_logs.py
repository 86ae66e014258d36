"""Structured logs: one key=value line per request, per moderation decision
and per import, on stdout; error mails only when ERROR_REPORT_EMAIL is set."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from initiatives import services
from initiatives.importing import Record, initiatives_import
from observatoire.logs import kv

ROOT = Path(__file__).resolve().parents[2]


def test_values_with_spaces_or_line_breaks_stay_on_one_line():
    line = kv(event="request", path='/a b"\n/x', status=200)
    assert line == 'event=request path="/a b\\"\\n/x" status=200'
    assert "\n" not in line


@pytest.mark.django_db
def test_one_line_per_request_with_status_and_duration(client, caplog):
    caplog.set_level("INFO", logger="observatoire.request")
    client.get("/page-qui-n-existe-pas/")
    [record] = [r for r in caplog.records if r.name == "observatoire.request"]
    message = record.getMessage()
    assert message.startswith(
        "event=request method=GET path=/page-qui-n-existe-pas/ status=404 "
    )
    assert float(message.rsplit("duration_ms=", 1)[1]) >= 0


def test_logs_go_to_stdout():
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["stream"] == "ext://sys.stdout"


def test_each_moderation_decision_is_logged(
    make_initiative, moderator, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level("INFO", logger="observatoire.moderation")
    initiative = make_initiative(status="pending", submitter_email="a@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        services.initiative_approve(initiative=initiative, by=moderator)
    messages = [
        r.getMessage() for r in caplog.records if r.name == "observatoire.moderation"
    ]
    assert messages == [
        f"event=moderation action=approved initiative={initiative.pk} by={moderator.pk}"
    ]


def test_each_import_is_logged(geo, caplog):
    caplog.set_level("INFO", logger="initiatives.importing")
    initiatives_import(records=[Record(ref="ligne 2", error="nom vide")])
    messages = [
        r.getMessage() for r in caplog.records if r.name == "initiatives.importing"
    ]
    assert messages == ["event=import created=0 updated=0 skipped=1 dry_run=False"]


def _logging_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k != "ERROR_REPORT_EMAIL"}
    clean.update(SECRET_KEY="x" * 50, **env)
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE']='observatoire.settings';"
        "from django.conf import settings;"
        "print(json.dumps([settings.ADMINS, "
        "settings.LOGGING['loggers']['django.request']['handlers']]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_error_reports_are_off_by_default():
    assert _logging_settings() == [[], []]


def test_error_reports_by_mail_when_asked():
    admins, handlers = _logging_settings(ERROR_REPORT_EMAIL="exploitation@ville.fr")
    assert admins == [["Exploitation", "exploitation@ville.fr"]]
    assert handlers == ["mail_admins"]
