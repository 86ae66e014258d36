"""A small HTTP browser for tests and load tests that talk to real servers:
cookies kept (shared by every port of 127.0.0.1, like two nodes behind one
name), forms read from the HTML and sent back as a browser would."""

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)
    # Every value a <select> offers, by name: choose another than the default.
    options: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)

    def with_values(self, **values) -> list[tuple[str, str]]:
        kept = [(k, v) for k, v in self.fields if k not in values]
        return kept + [(k, str(v)) for k, v in values.items()]


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select = None
        self._options: list[tuple[str, bool]] = []
        self._textarea = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(Form(attrs.get("action")))
        elif not self.forms:
            return
        elif tag == "input":
            kind = (attrs.get("type") or "text").lower()
            name = attrs.get("name")
            if not name or kind in {"file", "submit", "button", "reset", "image"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.forms[-1].fields.append((name, attrs.get("value") or ""))
        elif tag == "textarea":
            self._textarea, self._text = attrs.get("name"), []
        elif tag == "select":
            self._select = (attrs.get("name"), "multiple" in attrs)
            self._options = []
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value") or "", "selected" in attrs))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self.forms[-1].fields.append((self._textarea, "".join(self._text)))
            self._textarea = None
        elif tag == "select" and self._select:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            if name:
                self.forms[-1].options[name] = [v for v, _ in self._options if v]
                self.forms[-1].fields.extend((name, value) for value in chosen)
            self._select = None


def parse_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


@dataclass
class Response:
    status: int
    url: str
    text: str
    headers: dict


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One visitor: its cookies, and the address a trusted proxy would report."""

    def __init__(self, *, forwarded_for: str | None = None, timeout: float = 30):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect
        )
        self.forwarded_for = forwarded_for
        self.timeout = timeout

    def request(self, url, *, data=None, files=None, headers=None) -> Response:
        headers = dict(headers or {})
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        body = None
        if files:
            body, headers["Content-Type"] = _multipart(data or [], files)
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if body is not None:
            # Django's CSRF check wants a same-origin Referer... only over HTTPS;
            # Origin is checked on every POST.
            parts = urllib.parse.urlsplit(url)
            headers.setdefault("Origin", f"{parts.scheme}://{parts.netloc}")
        request = urllib.request.Request(url, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=self.timeout) as answer:
                return Response(
                    answer.status,
                    answer.url,
                    answer.read().decode("utf-8", "replace"),
                    dict(answer.headers),
                )
        except urllib.error.HTTPError as error:
            return Response(
                error.code,
                url,
                error.read().decode("utf-8", "replace"),
                dict(error.headers),
            )

    def get(self, url, **kwargs) -> Response:
        return self.request(url, **kwargs)

    def post(self, url, data, **kwargs) -> Response:
        return self.request(url, data=data, **kwargs)

    def form(self, url, *, having: str) -> Form:
        """The form of the page at `url` that has a field named `having`."""
        page = self.get(url)
        assert page.status == 200, (url, page.status)
        return next(f for f in parse_forms(page.text) if f.get(having) is not None)


def _multipart(fields, files) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    lines = []
    for name, value in fields:
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(),
            b"",
            str(value).encode(),
        ]
    for name, (filename, content, content_type) in files.items():
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"'.encode(),
            f"Content-Type: {content_type}".encode(),
            b"",
            content,
        ]
    lines += [f"--{boundary}--".encode(), b""]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"
