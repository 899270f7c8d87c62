"""Request parsers with a size limit: a JSON body over the limit is a 413 problem.

DRF reads JSON from the request stream, past Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``
check, so the limit is enforced here. Files go through multipart, whose size the
upload endpoints bound themselves (``DIDHUB_MAX_UPLOAD_BYTES``).
"""

from django.conf import settings
from rest_framework.parsers import JSONParser

from didhub.core.api.problems import PayloadTooLarge


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit is not None:
            meta = request.META
            try:
                length = int(meta.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise PayloadTooLarge(f"A JSON body may have at most {limit:,} bytes.")
        return super().parse(stream, media_type, parser_context)
