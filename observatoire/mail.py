"""Every email the site sends goes through `send()`.

Subjects are built from visitors' text (an initiative's name): a line break
there is a header injection attempt that Django refuses with BadHeaderError.
`send()` makes the subject one clean line, and turns every mail failure
(refused header or address, SMTP error, server down) into a log entry and a
False return: a mail problem never loses or blocks a submission or a
moderation decision. `MailFailureMiddleware` then tells the person, in a
message, that the record is saved but a mail did not leave.
"""

import contextvars
import logging
import re
from smtplib import SMTPException

from django.contrib import messages
from django.core.mail import BadHeaderError, send_mail
from django.utils.translation import ngettext

logger = logging.getLogger(__name__)

SUBJECT_MAX_LENGTH = 150
# Control characters (line breaks of every kind included) have no place in a
# header; str.split() alone misses some of them (\x00, \x7f…).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

# Failures of the current request, read by MailFailureMiddleware.
_failures: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "mail_failures", default=None
)


def single_line(text: str, *, max_length: int = SUBJECT_MAX_LENGTH) -> str:
    """`text` on one line, control characters replaced, runs of blanks squeezed."""
    line = " ".join(_CONTROL.sub(" ", str(text)).split())
    if len(line) > max_length:
        line = line[: max_length - 1].rstrip() + "…"
    return line


def send(*, to: list[str], subject: str, body: str) -> bool:
    """Send one message per recipient (nobody sees the others' addresses);
    True when every one left, False (logged) otherwise."""
    subject = single_line(subject)
    sent = True
    for recipient in [r for r in to if r]:
        try:
            if _CONTROL.search(recipient):
                raise BadHeaderError(f"Adresse sur plusieurs lignes : {recipient!r}")
            send_mail(subject, body, None, [recipient])
        except (BadHeaderError, SMTPException, OSError, ValueError):
            # ValueError: an address Django cannot encode. The caller's work
            # is saved; the log says which mail is missing.
            logger.exception("Envoi du courriel « %s » impossible", subject)
            sent = False
    if not sent:
        failures = _failures.get()
        if failures is not None:
            failures.append(subject)
    return sent


class MailFailureMiddleware:
    """Adds a message when a mail failed during the request: the person learns
    that what they did is saved but that a mail (their acknowledgement, the
    submitter's notice) did not leave. Placed after MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _failures.set([])
        try:
            response = self.get_response(request)
            failed = len(_failures.get())
        finally:
            _failures.reset(token)
        if failed and hasattr(request, "_messages"):
            messages.warning(
                request,
                ngettext(
                    "C'est enregistré, mais un courriel n'a pas pu être envoyé "
                    "(serveur de messagerie indisponible ou adresse refusée). "
                    "L'incident est consigné ; si ce courriel était important, "
                    "prévenez la personne autrement.",
                    "C'est enregistré, mais %(count)d courriels n'ont pas pu être "
                    "envoyés (serveur de messagerie indisponible ou adresse "
                    "refusée). L'incident est consigné ; si ces courriels étaient "
                    "importants, prévenez les personnes autrement.",
                    failed,
                )
                % {"count": failed},
            )
        return response
