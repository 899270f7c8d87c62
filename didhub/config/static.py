"""Static files with content hashes in their names, so browsers may keep them for a year.

``didhub serve`` collects the assets first; the manifest then maps ``app.css`` to
``app.3f2a9c.css`` and whitenoise serves hashed names with far-future, immutable cache
headers. Where the assets were not collected (the test suite, a development checkout)
an asset is served under its own name with a short cache lifetime instead of failing
the page: a missing manifest entry must never become a server error.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:  # not collected: no manifest, or the file is not in STATIC_ROOT
            return name
