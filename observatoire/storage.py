from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    return tuple(
        (glob, tuple(p for p in rules if "sourceMappingURL" not in str(p)))
        for glob, rules in patterns
    )


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Compressed, hashed static files, without rewriting source-map comments:
    vendor packages (xstatic-leaflet-markercluster) point at maps they do not
    ship, which would make collectstatic fail."""

    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
