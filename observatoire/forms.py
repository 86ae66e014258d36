import logging

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from observatoire import ratelimit
from observatoire.fields import TerritoryField
from observatoire.models import Territory

logger = logging.getLogger(__name__)

# Failed logins, counted per account (whatever the address: a botnet) and per
# address (whatever the account: password spraying), in the shared rate-limit
# table. A locked login unlocks by itself when the window ends.
LOGIN_FAILURES_PER_ACCOUNT = 10
LOGIN_FAILURES_PER_ADDRESS = 30
LOGIN_LOCK_SECONDS = 15 * 60


class DashboardForm(forms.Form):
    territory = TerritoryField(
        label=_("Territoire"),
        kinds=Territory.Kind.values,
        required=False,
        help_text=_("Commune, intercommunalité, département ou région. Vide : tout."),
    )


class SearchForm(forms.Form):
    # Django's CharField already refuses NUL bytes, with a French message.
    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class ThrottledLoginMixin:
    """Refuse to even check a password once its account or the client's address
    has too many recent failures, so guessing stops working."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if any(
            ratelimit.reached(self.request, **limit)
            for limit in self._login_limits(username)
        ):
            raise ValidationError(
                _(
                    "Trop de tentatives de connexion ont échoué pour ce compte ou "
                    "depuis votre connexion. Par sécurité, la connexion est "
                    "bloquée pendant %(minutes)d minutes au plus : réessayez "
                    "ensuite, ou demandez à un administrateur de vérifier votre "
                    "mot de passe."
                )
                % {"minutes": LOGIN_LOCK_SECONDS // 60},
                code="too_many_attempts",
            )
        try:
            return super().clean()
        except ValidationError:
            if self.user_cache is None and username:
                for limit in self._login_limits(username):
                    ratelimit.hit(self.request, **limit)
                    if ratelimit.reached(self.request, **limit):
                        logger.warning(
                            "Connexions bloquées (%s) : compte %r, adresse %s",
                            limit["scope"],
                            username[:150],
                            ratelimit.client_ip(self.request),
                        )
            raise

    @staticmethod
    def _login_limits(username: str) -> list[dict]:
        window = LOGIN_LOCK_SECONDS
        return [
            {
                "scope": "login:account",
                "key": "account:" + username.strip().casefold(),
                "limit": LOGIN_FAILURES_PER_ACCOUNT,
                "window": window,
            },
            {
                "scope": "login:address",
                "limit": LOGIN_FAILURES_PER_ADDRESS,
                "window": window,
            },
        ]


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
