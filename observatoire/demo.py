"""Demo content of the observatoire app: territories and one account per role.

`setup_demo` calls `load(stdout=...)` of every local app that has a demo
module, in INSTALLED_APPS order, so each part adds its own content.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from observatoire import roles
from observatoire.env import envbool
from observatoire.models import Territory

DEMO_ACCOUNTS = [
    # A person's name, not the role's: the header shows it beside the menu's
    # « Modération », which must not read twice.
    ("moderation", "Camille, modératrice", [roles.MODERATION], False),
    ("animation", "Animation", [roles.ANIMATION], False),
    ("agent", "Agent", [roles.AGENTS], False),
    ("admin", "Administration", [], True),
]


def check_development(*, force: bool) -> None:
    """Demo content (accounts with known names, a superuser among them, and
    fictitious records) belongs to development machines: refuse it on a
    production database unless the operator insists."""
    if settings.DEBUG or force or envbool("ALLOW_DEMO_DATA", False):
        return
    raise CommandError(
        "Données de démonstration refusées : DEBUG est désactivé, ce qui désigne "
        "une installation de production (comptes et fiches fictives, "
        "superutilisateur compris). Pour le développement, lancez la commande "
        "avec DEBUG=1 ; pour forcer malgré tout, ajoutez --force ou "
        "ALLOW_DEMO_DATA=1."
    )


def load(*, stdout) -> str:
    # Cheap when nothing changed (about 2 s), and picks up a newer data file.
    call_command("load_territories", stdout=stdout)
    accounts = ensure_demo_accounts()
    stdout.write("Comptes de démonstration (identifiant / mot de passe) :")
    for username, password, role in accounts:
        if password:
            stdout.write(f"  {role:<16} {username} / {password}")
        else:
            stdout.write(
                f"  {role:<16} {username} : compte existant, mot de passe inchangé "
                f"(python manage.py changepassword {username} pour le changer)"
            )
    if any(password for _username, password, _role in accounts):
        stdout.write(
            "Notez ces mots de passe : ils ne sont affichés qu'une fois, à la "
            "création des comptes."
        )
    return f"{Territory.objects.count()} territoires, {len(accounts)} comptes"


def ensure_demo_accounts() -> list[tuple[str, str, str]]:
    """Create the missing demo accounts with random passwords; return
    (username, password or "" for an account that already existed, role).

    An existing account is never touched: no password reset, no new rights (on
    a real database, "admin" may be someone's account)."""
    User = get_user_model()
    accounts = []
    for username, label, groups, superuser in DEMO_ACCOUNTS:
        if User.objects.filter(username=username).exists():
            accounts.append((username, "", label))
            continue
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(
            username=username,
            password=password,
            first_name=label,
            is_staff=superuser,
            is_superuser=superuser,
        )
        user.groups.set(Group.objects.filter(name__in=groups))
        accounts.append((username, password, label))
    return accounts
