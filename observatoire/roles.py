"""The platform's roles, as Django groups, and the checks views use.

Anonymous visitors are citizens; the three groups are created by a data
migration so every deployment has them.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse

MODERATION = "Modération"
ANIMATION = "Animation"
AGENTS = "Agents"
ROLE_GROUPS = (MODERATION, ANIMATION, AGENTS)


def has_role(user, *groups: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    # Cached on the user object: templates and views ask several times a request.
    names = getattr(user, "_role_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._role_names = names
    return bool(names.intersection(groups))


def is_moderator(user) -> bool:
    return has_role(user, MODERATION)


def is_facilitator(user) -> bool:
    return has_role(user, ANIMATION)


def is_agent(user) -> bool:
    """Local-authority staff: private dashboard and contacts. Moderators too."""
    return has_role(user, AGENTS, MODERATION)


def landing_url(user) -> str:
    """Where a person lands after logging in: where their work is.

    Moderators first (the queue is time-sensitive), then facilitators (their
    drafts are on the workshop list), then agents (the dashboard).
    """
    if is_moderator(user):
        return reverse("initiatives:moderation")
    if is_facilitator(user):
        return reverse("ateliers:list")
    if is_agent(user):
        return reverse("dashboard")
    return reverse("home")


def role_required(*groups: str):
    """Send anonymous users to the login page; others without the role get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *groups):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
