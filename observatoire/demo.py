"""Demo content of the observatoire app: territories and one account per role.

`setup_demo` calls `load(stdout=...)` of every local app that has a demo
module, in INSTALLED_APPS order, so each part adds its own content.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from observatoire import roles
from observatoire.models import Territory

# Demo credentials are public by design: `make run` prints them.
DEMO_ACCOUNTS = [
    # A person's name, not the role's: the header shows it beside the menu's
    # « Modération », which must not read twice.
    ("moderation", "Camille, modératrice", [roles.MODERATION], False),
    ("animation", "Animation", [roles.ANIMATION], False),
    ("agent", "Agent", [roles.AGENTS], False),
    ("admin", "Administration", [], True),
]
DEMO_PASSWORD_SUFFIX = "-demo-2026"


def load(*, stdout) -> str:
    # Cheap when nothing changed (about 2 s), and picks up a newer data file.
    call_command("load_territories", stdout=stdout)
    accounts = ensure_demo_accounts()
    stdout.write("Comptes de démonstration (identifiant / mot de passe) :")
    for username, password, role in accounts:
        stdout.write(f"  {role:<16} {username} / {password}")
    return f"{Territory.objects.count()} territoires, {len(accounts)} comptes"


def ensure_demo_accounts() -> list[tuple[str, str, str]]:
    User = get_user_model()
    created = []
    for username, label, groups, superuser in DEMO_ACCOUNTS:
        password = username + DEMO_PASSWORD_SUFFIX
        user, _ = User.objects.get_or_create(
            username=username, defaults={"first_name": label}
        )
        user.is_staff = superuser
        user.is_superuser = superuser
        user.set_password(password)
        user.save()
        user.groups.set(Group.objects.filter(name__in=groups))
        created.append((username, password, label))
    return created
