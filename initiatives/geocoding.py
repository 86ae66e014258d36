"""Coordinates from an address through the national address API
(api-adresse.data.gouv.fr). Off when settings.GEOCODER_URL is empty; any
failure returns None so it never blocks a form."""

import logging
from dataclasses import dataclass
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from django.conf import settings

from observatoire import jsonsafe

logger = logging.getLogger(__name__)

# The API returns a relevance score; below this the match is a guess.
MIN_SCORE = 0.4
MAX_RESPONSE_BYTES = 256 * 1024


@dataclass(frozen=True)
class GeocodeResult:
    latitude: float
    longitude: float
    label: str
    score: float


def is_enabled() -> bool:
    return bool(settings.GEOCODER_URL)


def geocode(address: str, *, citycode: str = "") -> GeocodeResult | None:
    """Best match for `address`, restricted to the commune's INSEE code if given."""
    address = " ".join((address or "").split())[:200]
    if not is_enabled() or len(address) < 3:
        return None
    params = {"q": address, "limit": 1}
    if citycode:
        params["citycode"] = citycode
    separator = "&" if "?" in settings.GEOCODER_URL else "?"
    request = Request(
        settings.GEOCODER_URL + separator + urlencode(params),
        headers={"Accept": "application/json"},
    )
    try:
        with urlopen(request, timeout=settings.GEOCODER_TIMEOUT) as response:
            payload = jsonsafe.loads(response.read(MAX_RESPONSE_BYTES))
        feature = payload["features"][0]
        longitude, latitude = (float(x) for x in feature["geometry"]["coordinates"])
        score = float(feature.get("properties", {}).get("score", 1))
        label = str(feature.get("properties", {}).get("label", ""))[:300]
    # ValueError includes jsonsafe.JsonError (deeply nested or invalid JSON).
    except (URLError, OSError, ValueError, KeyError, IndexError, TypeError) as error:
        # Includes timeouts and malformed answers: the user simply types them.
        logger.warning("Géocodage impossible pour %r : %s", address, error)
        return None
    if score < MIN_SCORE or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return GeocodeResult(latitude, longitude, label, score)
