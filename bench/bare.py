"""The bare Django view the site is compared with: one view returning a
constant string, served under the same gunicorn settings and the same Django
settings and middleware as the site; only the URLconf differs
(bench/bare_settings.py). Its req/s is the ceiling for this server: what
Django itself costs, with no page work.

    DJANGO_SETTINGS_MODULE=bench.bare_settings gunicorn bench.bare:application
"""

from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path


def bare(request):
    return HttpResponse("Observatoire", content_type="text/plain; charset=utf-8")


urlpatterns = [path("", bare)]

application = get_wsgi_application()
