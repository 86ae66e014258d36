"""Whole public pages from the shared cache, for visitors without a session.

Most visits are anonymous, and every anonymous visitor gets the same page for
the same URL: building it once per change of the data, not once per visit, is
what lets a small server take a newsletter's worth of visitors.

Like Django's per-site cache, every GET is a candidate and a response says
itself that it must not be shared. A response is stored only when:
- it is a 200, not streamed, for a request without a session cookie and
  without pending messages (so built for an anonymous visitor);
- it sets no cookie: a page that renders a CSRF token, opens a session or
  leaves a message sets one, so forms and anything personal are never stored;
- its Cache-Control allows a shared cache (`@never_cache`,
  `cache_control(private=True)` or `no-store` keep a view out), and it varies
  on nothing but Cookie, Accept-Language and Accept-Encoding.
Views that cache or stream their own answer are marked `@exempt` and skip
even the cache read. A page is served only to requests that would have been
built the same way: GET, no session cookie, no messages cookie; the key holds
the scheme, host, full path and language. Anyone logged in (they have a
session) always gets a page built for them.

Entries are stored with the data versions of every kind of public content
(observatoire.versions): any write, on any app server, retires every page at
once, and one cache round trip serves a hit. Each page is stored once,
gzip-compressed when worth it: nearly every browser takes it as it is, so a
hit compresses nothing, and the rare client that does not accept gzip gets it
decompressed (a few tens of microseconds); one cache write per page built,
not one per encoding (five statements and a commit each with the database
cache).

The middleware sits before the session middleware: a hit skips sessions,
CSRF, authentication and messages, whose headers (Vary, CSP, X-Frame-Options,
Content-Language) it stored with the page.
"""

import gzip
import hashlib
import re

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.urls import Resolver404, resolve
from django.utils.cache import cc_delim_re, patch_vary_headers
from django.utils.translation import get_language_from_request

from observatoire import versions

COMPRESS_MIN_BYTES = 200
COMPRESSIBLE = re.compile(r"^(text/|application/(json|xml|javascript|geo\+json))")
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
PRIVATE_DIRECTIVES = {"private", "no-store", "no-cache"}
SHAREABLE_VARY = {"cookie", "accept-language", "accept-encoding"}
MESSAGES_COOKIE = "messages"


def exempt(view):
    """Keep a view out of the page cache without even a cache read: for views
    that cache their own answer (map data) or stream it (exports)."""
    view.page_cache_exempt = True
    return view


def _exempt(request) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return True  # a 404 is never stored
    return getattr(match.func, "page_cache_exempt", False)


def _anonymous_get(request) -> bool:
    return request.method == "GET" and not (
        settings.SESSION_COOKIE_NAME in request.COOKIES
        or MESSAGES_COOKIE in request.COOKIES
    )


def accepts_gzip(request) -> bool:
    return bool(ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))


def _key(request) -> str:
    raw = "|".join(
        (
            request.scheme,
            request.get_host(),
            request.get_full_path(),
            get_language_from_request(request),
        )
    )
    digest = hashlib.md5(raw.encode(), usedforsecurity=False).hexdigest()
    return f"page:{digest}"


def _shareable(response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if response.has_header("Content-Encoding"):
        return False  # compressed by the view: it would be compressed twice
    control = {
        part.split("=")[0].strip().lower()
        for part in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    if control & PRIVATE_DIRECTIVES or "max-age=0" in response.get("Cache-Control", ""):
        return False
    vary = {
        part.strip().lower()
        for part in cc_delim_re.split(response.get("Vary", ""))
        if part.strip()
    }
    return vary <= SHAREABLE_VARY


def _entry(response) -> dict:
    """The page as stored: its headers but the length and ETag (set when
    sent), and its body, gzip-compressed when that is worth it."""
    body = response.content
    compress = bool(
        len(body) >= COMPRESS_MIN_BYTES
        and COMPRESSIBLE.match(response.get("Content-Type", ""))
    )
    if compress:
        patch_vary_headers(response, ["Accept-Encoding"])
    headers = [
        (name, value)
        for name, value in response.items()
        if name.lower() not in ("content-length", "etag")
    ]
    etag = f'W/"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
    if compress:
        # Level 4: the 180 KB portrait of France in 5 ms instead of 18 ms at
        # the default 6, for 6 % more bytes (measured at 100,000 initiatives).
        body = gzip.compress(body, compresslevel=4, mtime=0)
    return {"headers": headers, "body": body, "gzip": compress, "etag": etag}


def _respond(request, entry: dict):
    if entry["etag"] in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
        for name, value in entry["headers"]:
            if name.lower() in ("vary", "cache-control", "content-language"):
                response[name] = value
    else:
        body = entry["body"]
        compressed = entry["gzip"] and accepts_gzip(request)
        if entry["gzip"] and not compressed:
            body = gzip.decompress(body)
        response = HttpResponse(body)
        for name, value in entry["headers"]:
            response[name] = value
        if compressed:
            response["Content-Encoding"] = "gzip"
        response["Content-Length"] = str(len(body))
    response["ETag"] = entry["etag"]
    return response


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            not settings.PAGE_CACHE_SECONDS
            or not _anonymous_get(request)
            or _exempt(request)
        ):
            return self.get_response(request)
        key = _key(request)
        entry, current = versions.fetch(key, scopes=versions.CONTENT)
        if entry is not None:
            return _respond(request, entry)
        response = self.get_response(request)
        if not _shareable(response):
            return response
        entry = _entry(response)
        versions.store(
            key, entry, versions=current, timeout=settings.PAGE_CACHE_SECONDS
        )
        # The response itself, not a copy: it keeps what the view attached.
        if entry["gzip"] and accepts_gzip(request):
            response.content = entry["body"]
            response["Content-Encoding"] = "gzip"
            response["Content-Length"] = str(len(entry["body"]))
        response["ETag"] = entry["etag"]
        return response
