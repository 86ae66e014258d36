"""The Django admin lists every initiatives model; archiving there is recorded."""

import pytest
from django.urls import reverse

from initiatives.models import ChangeProposal, Initiative, ModerationEvent


@pytest.mark.parametrize(
    "model",
    [
        "category",
        "family",
        "actionlevel",
        "resourcetype",
        "initiative",
        "changeproposal",
        "moderationevent",
    ],
)
def test_admin_changelists_load(client_for, make_initiative, model):
    initiative = make_initiative(tags=["x"])
    ChangeProposal.objects.create(initiative=initiative, message="m")
    initiative.archive(by=None)
    response = client_for("superuser").get(
        reverse(f"admin:initiatives_{model}_changelist")
    )
    assert response.status_code == 200


def test_admin_change_page_loads(client_for, make_initiative):
    initiative = make_initiative()
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    assert client_for("superuser").get(url).status_code == 200


def test_admin_archive_action_records_history(client_for, make_initiative):
    initiative = make_initiative()
    client = client_for("superuser")
    client.post(
        reverse("admin:initiatives_initiative_changelist"),
        {"action": "archive_selected", "_selected_action": [initiative.pk]},
    )
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.ARCHIVED
    assert initiative.events.get().action == ModerationEvent.Action.ARCHIVED


@pytest.mark.parametrize("role", ["anonymous", "citizen", "moderator", "agent"])
def test_admin_is_for_staff_only(client_for, geo, role):
    response = client_for(role).get(reverse("admin:initiatives_initiative_changelist"))
    assert response.status_code == 302
