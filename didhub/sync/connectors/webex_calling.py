"""Webex Calling: the enterprise's numbers in the customer's Webex Calling location.

As Webex's public API describes it, with the partner's token and the customer's
``orgId``: ``POST {base}/v1/telephony/config/locations/{locationId}/numbers`` with
``{"phoneNumbers": [...], "numberType": "DID", "state": "ACTIVE"}`` adds numbers (201),
``DELETE`` on the same path with ``{"phoneNumbers": [...]}`` removes them (204), and
``GET {base}/v1/telephony/config/numbers?orgId=...&locationId=...`` lists what the
location holds (``start``/``max`` pages). A location holds numbers, not their attributes,
so updates need no request. The base URL is ``DIDHUB_WEBEX_BASE_URL``.

Webex takes or refuses a request whole: a 409 on an add means that at least one number
is in use (in this location, after a retry whose answer was lost, or elsewhere), a 404
on a remove that at least one is not in the location. Neither says the batch is done, so
the connector reads the location's numbers and confirms only what it sees there: an add
is sent again without the numbers the location already holds, and the numbers Webex
still refuses (named in its error, or the only ones left) are reported one by one as
rejected; a remove is sent again with the numbers the location still holds.
"""

import json
import re
from urllib.parse import quote, urlencode

from django.conf import settings

from didhub.sync import conf
from didhub.sync.connectors.base import Result, describe, http_call
from didhub.sync.crypto import UnreadableSecret

# Kept well under what Webex accepts per request.
WEBEX_MAX_BATCH = 500
# Numbers per page when listing a location.
LIST_PAGE = 1000
# Rounds of "read the location, send the rest" before the message is left to a retry.
MAX_ROUNDS = 4
E164_IN_TEXT = re.compile(r"\+[1-9]\d{5,14}")


def base_url() -> str:
    return settings.DIDHUB_WEBEX_BASE_URL.rstrip("/")


def numbers_url(link) -> str:
    location = quote(link.location_id, safe="")
    query = urlencode({"orgId": link.organization_id})
    return f"{base_url()}/v1/telephony/config/locations/{location}/numbers?{query}"


def list_url(link, start: int) -> str:
    query = urlencode(
        {
            "orgId": link.organization_id,
            "locationId": link.location_id,
            "start": start,
            "max": LIST_PAGE,
        }
    )
    return f"{base_url()}/v1/telephony/config/numbers?{query}"


def named_numbers(result: Result) -> set[str]:
    """The numbers a Webex error names (its ``message`` and ``errors[].description``)."""
    try:
        data = json.loads(result.body or b"{}")
    except ValueError:
        return set()
    texts = [str(data.get("message", ""))] if isinstance(data, dict) else []
    if isinstance(data, dict) and isinstance(data.get("errors"), list):
        texts += [str(e.get("description", "")) for e in data["errors"] if isinstance(e, dict)]
    return {number for text in texts for number in E164_IN_TEXT.findall(text)}


class WebexCallingConnector:
    @property
    def max_batch(self) -> int:
        return min(conf.get("DIDHUB_SYNC_BATCH"), WEBEX_MAX_BATCH)

    def headers(self, link) -> dict:
        return {
            "Authorization": f"Bearer {link.credentials}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def send(self, link, message) -> Result:
        if isinstance(link.credentials, UnreadableSecret):
            from didhub.sync.connectors.webhook import unreadable_credentials

            return unreadable_credentials()
        items = json.loads(message.body)["data"]["numbers"]
        adds = [item["e164"] for item in items if item["op"] == "add"]
        # Numbers the location never confirmed holding need no removal.
        removes = [
            item["e164"]
            for item in items
            if item["op"] == "remove" and item.get("previously_synced")
        ]
        result = Result(ok=True)
        if adds:
            result = self.add(link, adds)
            if not result.ok:
                return result
        if removes:
            removed = self.remove(link, removes)
            if not removed.ok:
                return removed
            result = Result(ok=True, status=removed.status, rejected=result.rejected)
        return result

    def add(self, link, numbers: list[str]) -> Result:
        remaining, rejected = list(numbers), {}
        for _ in range(MAX_ROUNDS):
            body = {"phoneNumbers": remaining, "numberType": "DID", "state": "ACTIVE"}
            result = self.call("POST", link, body)
            if result.ok or result.status != 409:
                result.rejected = rejected
                return result
            held = self.list_numbers(link)
            if held is None:
                return self.unverified(result)
            named = named_numbers(result)
            still = [number for number in remaining if number not in held]
            refused = [number for number in still if number in named]
            if not refused and len(still) == len(remaining):
                # Nothing was found in the location and Webex names no number: every one
                # left is refused, none confirmed.
                refused = still
            for number in refused:
                rejected[number] = (
                    f"{describe(409)}: Webex Calling holds this number outside the location."
                )
            remaining = [number for number in still if number not in rejected]
            if not remaining:
                return Result(ok=True, status=409, rejected=rejected)
        return self.unverified(result)

    def remove(self, link, numbers: list[str]) -> Result:
        remaining = list(numbers)
        for _ in range(MAX_ROUNDS):
            result = self.call("DELETE", link, {"phoneNumbers": remaining})
            if result.ok or result.status != 404:
                return result
            held = self.list_numbers(link)
            if held is None:
                return self.unverified(result)
            remaining = [number for number in remaining if number in held]
            if not remaining:
                return Result(ok=True, status=404)
        return self.unverified(result)

    def unverified(self, result: Result) -> Result:
        """The location could not be read back: nothing is confirmed, the message is retried."""
        return Result(
            ok=False,
            status=result.status,
            error=f"{describe(result.status)}, and the location's numbers could not be read "
            "to see which numbers Webex Calling holds.",
        )

    def call(self, method: str, link, body: dict) -> Result:
        return http_call(method, numbers_url(link), json.dumps(body).encode(), self.headers(link))

    def list_numbers(self, link) -> set[str] | None:
        """Every number the location holds, or None when Webex cannot be read now."""
        if isinstance(link.credentials, UnreadableSecret):
            return None
        held: set[str] = set()
        start = 0
        while True:
            result = http_call("GET", list_url(link, start), None, self.headers(link))
            if not result.ok:
                return None
            try:
                page = json.loads(result.body)["phoneNumbers"]
                numbers = [entry["phoneNumber"] for entry in page]
            except (ValueError, KeyError, TypeError):
                return None
            held.update(numbers)
            if len(page) < LIST_PAGE:
                return held
            start += len(page)
