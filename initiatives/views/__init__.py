"""Views of the initiatives app, one module per concern: browsing (and
exports), public submission, moderation."""
