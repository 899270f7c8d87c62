"""Webex Calling: the enterprise's numbers in the customer's Webex Calling location.

As Webex's public API describes it, with the partner's token and the customer's
``orgId``: ``POST {base}/v1/telephony/config/locations/{locationId}/numbers`` with
``{"phoneNumbers": [...], "numberType": "DID", "state": "ACTIVE"}`` adds numbers (201),
``DELETE`` on the same path with ``{"phoneNumbers": [...]}`` removes them (204). A
location holds numbers, not their attributes, so updates need no request. The base URL
is ``DIDHUB_WEBEX_BASE_URL``.
"""

import json
from urllib.parse import quote, urlencode

from django.conf import settings

from didhub.sync import conf
from didhub.sync.connectors.base import Result, http_call

# Kept well under what Webex accepts per request.
WEBEX_MAX_BATCH = 500


def numbers_url(link) -> str:
    base = settings.DIDHUB_WEBEX_BASE_URL.rstrip("/")
    location = quote(link.location_id, safe="")
    query = urlencode({"orgId": link.organization_id})
    return f"{base}/v1/telephony/config/locations/{location}/numbers?{query}"


class WebexCallingConnector:
    @property
    def max_batch(self) -> int:
        return min(conf.get("DIDHUB_SYNC_BATCH"), WEBEX_MAX_BATCH)

    def send(self, link, message) -> Result:
        items = json.loads(message.body)["data"]["numbers"]
        adds = [item["e164"] for item in items if item["op"] == "add"]
        # Numbers the location never confirmed holding need no removal.
        removes = [
            item["e164"]
            for item in items
            if item["op"] == "remove" and item.get("previously_synced")
        ]
        headers = {
            "Authorization": f"Bearer {link.credentials}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        result = Result(ok=True)
        if adds:
            body = {"phoneNumbers": adds, "numberType": "DID", "state": "ACTIVE"}
            result = http_call("POST", numbers_url(link), json.dumps(body).encode(), headers)
            # A retry after a lost answer finds the numbers there already.
            if result.status == 409:
                result = Result(ok=True, status=409)
            if not result.ok:
                return result
        if removes:
            body = {"phoneNumbers": removes}
            result = http_call("DELETE", numbers_url(link), json.dumps(body).encode(), headers)
            if result.status == 404:
                result = Result(ok=True, status=404)
        return result
