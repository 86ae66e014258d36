"""Uploads stop as soon as they pass the limit, instead of being received whole
before a form says « trop lourd ».

`LimitedUploadHandler` comes first in FILE_UPLOAD_HANDLERS: a request that
announces more than UPLOAD_MAX_REQUEST_BYTES is not read at all, and a file
that grows past UPLOAD_MAX_FILE_BYTES stops the parsing there (without reading
the rest of the body). The request is then marked; views that accept files
ask `refused(request)` and answer with a French form error (413), never a 500.

The reverse proxy should refuse such bodies before they reach the app
(nginx `client_max_body_size`, see the README); this is the app's own guard.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import QueryDict
from django.template.defaultfilters import filesizeformat
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

_MARK = "_upload_too_large"


class LimitedUploadHandler(FileUploadHandler):
    def handle_raw_input(
        self, input_data, META, content_length, boundary, encoding=None
    ):
        if content_length > settings.UPLOAD_MAX_REQUEST_BYTES:
            setattr(self.request, _MARK, True)
            # Parsed as empty: nothing of the body is read.
            return QueryDict(encoding=encoding), MultiValueDict()
        return None

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.UPLOAD_MAX_FILE_BYTES:
            setattr(self.request, _MARK, True)
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def refused(request) -> bool:
    """True when this request's upload was stopped for its size."""
    request.FILES  # noqa: B018 (parses the body, which sets the mark)
    return getattr(request, _MARK, False)


def too_large_message() -> str:
    return _(
        "Le fichier envoyé dépasse la taille maximale de %(max)s : l'envoi a été "
        "interrompu. Choisissez un fichier plus léger (une photo réduite, par "
        "exemple) et vérifiez les autres champs avant d'envoyer de nouveau."
    ) % {"max": filesizeformat(settings.UPLOAD_MAX_FILE_BYTES)}
