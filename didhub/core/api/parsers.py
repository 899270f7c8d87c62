"""The API's JSON parser: a size limit, a depth limit and no NUL characters.

DRF reads JSON from the request stream, past Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``
check, so the size limit is enforced here (413). Files go through multipart, whose size
the upload endpoints bound themselves (``DIDHUB_MAX_UPLOAD_BYTES``).

Every other rule about the shape of a body is here too, so that no view can forget it:

* **Depth.** No request of the API nests deeper than a few levels, while Python's JSON
  decoder recurses once per level: a body of thousands of ``[`` would end in a
  ``RecursionError`` (a 500) in the decoder, or in any code that walks the result. A
  body deeper than ``MAX_JSON_DEPTH`` is a 400 problem.
* **NUL.** U+0000 is valid JSON (``"\\u0000"``) but no didhub text may hold it:
  PostgreSQL refuses it in text and JSON columns, which would make the first write a
  500. Every string, key or value, at any depth, is checked once here, and the 400
  names where it was found (``defaults.service_info``).
"""

import json

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from didhub.core.api.problems import PayloadTooLarge

# The deepest request body of the API (a bulk assignment's items) nests four levels.
MAX_JSON_DEPTH = 32
NUL_MESSAGE = "Null characters are not allowed."


class JsonTooDeep(exceptions.ParseError):
    default_detail = f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels."
    default_code = "too_deep"


def checked_json(text: str | bytes, *, where: str = ""):
    """``json.loads`` with the API's rules, for JSON that arrives inside a field (a
    multipart form's ``defaults``): ``ValueError`` for text that is not JSON, a 400 for
    a value that nests too deep or holds a NUL character (named from ``where``)."""
    try:
        data = json.loads(text)
    except RecursionError as error:
        raise JsonTooDeep() from error
    check_structure(data, where=where)
    return data


def check_structure(data, *, where: str = "") -> None:
    """Walks a decoded value without recursion: its depth and its strings."""
    pending = [(data, 1, where)]
    while pending:
        value, depth, where = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise exceptions.ValidationError(
                    {where or "body": [NUL_MESSAGE]}, code="null_characters_not_allowed"
                )
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise JsonTooDeep()
        if isinstance(value, dict):
            for key, item in value.items():
                name = f"{where}.{key}" if where else str(key)
                if "\x00" in key:
                    raise exceptions.ValidationError(
                        {where or "body": [NUL_MESSAGE]}, code="null_characters_not_allowed"
                    )
                pending.append((item, depth + 1, name))
        else:
            pending.extend(
                (item, depth + 1, f"{where}[{index}]") for index, item in enumerate(value)
            )


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
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise JsonTooDeep() from error
        check_structure(data)
        return data
