"""Platform links (docs/sync.md): the list, a link's page with its outbox, and its actions.

Credentials are write-only here as everywhere: no form renders them back, and a
generated webhook secret is shown once, on the page that answers the creation. A
button is shown only when the policy allows it; every POST goes to a service, which
asks the policy again.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST

from didhub.accounts.policy import Action, allows, check
from didhub.core.errors import Conflict, ValidationFailed
from didhub.numbers.choices import SyncState
from didhub.sync import selectors, services
from didhub.sync.choices import LinkMode, LinkStatus
from didhub.sync.urls import consent_path
from didhub.web.acting import acting_user
from didhub.web.forms import LinkForm
from didhub.web.views.base import form_errors_from, message_from, portal_view, render_page

LIST_LIMIT = 500
OUTBOX_LIMIT = 50
EDITABLE = ("name", "organization_id", "location_id", "endpoint")


def link_url(link) -> str:
    return reverse("web:link_detail", args=[link.pk])


def no_store(response):
    """A page carrying a secret or a consent URL is kept by no cache, nor the back button."""
    patch_cache_control(response, no_store=True, private=True)
    return response


def offered(actor, link) -> dict[str, bool]:
    """The actions the link's page offers: allowed by the policy and by the link's state."""
    manage = allows(actor, Action.LINK_MANAGE, link.enterprise)
    consent = allows(actor, Action.LINK_CONSENT, link.enterprise)
    active = link.status != LinkStatus.DISABLED
    waiting = active and link.consented_at is None
    return {
        "edit": manage and active,
        "disable": manage and active,
        "consent_link": manage and waiting,
        # Consent is the customer's (docs/domain.md, "Platform sync"): its administrator,
        # or whoever opened its account to act as that administrator; a reseller sends a
        # consent link instead.
        "consent": consent and waiting and actor.account_id == link.enterprise_id,
        "resync": (manage or consent) and link.sends,
        "replay": (manage or consent) and active,
    }


@portal_view
def link_list(request):
    actor = acting_user(request)
    status = request.GET.get("status", "")
    filters = {"status": status} if status in LinkStatus.values else {}
    links = selectors.link_list(user=actor, filters=filters).order_by("enterprise__name", "id")
    rows = list(links[: LIST_LIMIT + 1])
    context = {
        "section": "links",
        "links": rows[:LIST_LIMIT],
        "more": len(rows) > LIST_LIMIT,
        "statuses": LinkStatus.choices,
        "status": filters.get("status", ""),
        "can_create": allows(actor, Action.LINK_MANAGE),
    }
    return render_page(request, "web/links/list.html", context, partial="web/links/_rows.html")


@portal_view
def link_create(request):
    actor = acting_user(request)
    check(actor, Action.LINK_MANAGE)
    form = LinkForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        try:
            link, secret = services.link_create(actor=actor, **form.cleaned_data)
        except Conflict as error:
            form.add_error("enterprise" if error.code == "link_exists" else None, str(error))
        except ValidationFailed as error:
            form_errors_from(form, error)
        else:
            if secret:
                context = {"section": "links", "link": link, "secret": secret}
                return no_store(render_page(request, "web/links/created.html", context))
            messages.success(request, created_message(link))
            return redirect(link_url(link))
    context = {"section": "links", "form": form, "title": "Add platform link"}
    return render_page(request, "web/links/form.html", context)


def created_message(link) -> str:
    if link.mode == LinkMode.NON_INTEGRATED:
        return (
            f"{link} is created. It waits for the consent of {link.enterprise.name}: "
            "send them a consent link."
        )
    return f"{link} is created; the numbers of {link.enterprise.name} are being synchronized."


@portal_view
def link_detail(request, pk):
    actor = acting_user(request)
    return detail_page(request, actor, selectors.link_get(user=actor, pk=pk))


def detail_page(request, actor, link, **extra):
    """The link, its numbers per sync state and its latest messages (bodies left unread)."""
    outbox = selectors.message_list(user=actor, link=link).defer("body").order_by("-id")
    counts = selectors.link_number_states(user=actor, link=link)
    context = {
        "section": "links",
        "link": link,
        "outbox": list(outbox[:OUTBOX_LIMIT]),
        "outbox_limit": OUTBOX_LIMIT,
        "states": [(value, label, counts[value]) for value, label in SyncState.choices],
        "can": offered(actor, link),
        **extra,
    }
    return render_page(request, "web/links/detail.html", context)


@portal_view
def link_edit(request, pk):
    actor = acting_user(request)
    link = selectors.link_get(user=actor, pk=pk)
    check(actor, Action.LINK_MANAGE, link.enterprise)
    initial = {name: getattr(link, name) for name in EDITABLE}
    form = LinkForm(request.POST or None, actor=actor, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = form.changes(link)
        if not changes:
            messages.info(request, "Nothing changed.")
            return redirect(link_url(link))
        try:
            services.link_update(actor=actor, link=link, **changes)
        except Conflict as error:
            form.add_error(None, str(error))
        except ValidationFailed as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"{link} is saved.")
            return redirect(link_url(link))
    context = {"section": "links", "form": form, "title": f"Edit {link}", "link": link}
    return render_page(request, "web/links/form.html", context)


@portal_view
def link_disable(request, pk):
    actor = acting_user(request)
    link = selectors.link_get(user=actor, pk=pk)
    check(actor, Action.LINK_MANAGE, link.enterprise)
    if request.method == "POST" and request.POST.get("confirmed"):
        return run(
            request,
            link,
            lambda: services.link_disable(actor=actor, link=link),
            f"{link} is disabled; nothing more is sent.",
        )
    context = {
        "section": "links",
        "question": (
            f"Disable {link}? Nothing more is sent to {link.get_connector_display()}, and "
            f"the numbers of {link.enterprise.name} are no longer linked."
        ),
        "confirm_label": "Disable",
        "hidden": [],
        "cancel_url": link_url(link),
    }
    return render_page(request, "web/confirm.html", context)


def run(request, link, call, done):
    """Call a service; its success or its refusal of the link's state becomes a message.

    A policy refusal is not caught: the portal answers it with the refusal page.
    """
    try:
        result = call()
    except (ValidationFailed, Conflict) as error:
        message_from(request, error)
    else:
        messages.success(request, done(result) if callable(done) else done)
    return redirect(link_url(link))


@portal_view
@require_POST
def link_consent_link(request, pk):
    """A consent link for the customer: its full URL is shown on this answer only."""
    actor = acting_user(request)
    link = selectors.link_get(user=actor, pk=pk)
    try:
        token = services.consent_link_create(actor=actor, link=link)
    except Conflict as error:
        message_from(request, error)
        return redirect(link_url(link))
    link = selectors.link_get(user=actor, pk=pk)
    url = request.build_absolute_uri(consent_path(token))
    return no_store(detail_page(request, actor, link, consent_url=url))


@portal_view
@require_POST
def link_consent(request, pk):
    """The enterprise administrator's consent to a non-integrated link (docs/sync.md)."""
    actor = acting_user(request)
    link = selectors.link_get(user=actor, pk=pk)
    return run(
        request,
        link,
        lambda: services.link_consent(actor=actor, link=link),
        f"Consent is recorded; the numbers of {link.enterprise.name} are being synchronized.",
    )


@portal_view
@require_POST
def link_resync(request, pk):
    actor = acting_user(request)
    link = selectors.link_get(user=actor, pk=pk)
    return run(
        request,
        link,
        lambda: services.link_resync(actor=actor, link=link),
        resync_message,
    )


def resync_message(summary: dict) -> str:
    text = f"Resync queued {summary['queued']:,} numbers that differ from the platform."
    if summary["superseded_messages"]:
        text += f" {summary['superseded_messages']:,} dead messages are taken over."
    return text


@portal_view
@require_POST
def link_replay(request, pk):
    """Send every dead message of the link again."""
    actor = acting_user(request)
    link = selectors.link_get(user=actor, pk=pk)
    return run(
        request,
        link,
        lambda: services.link_replay(actor=actor, link=link),
        replay_message,
    )


def replay_message(summary: dict) -> str:
    count = summary["replayed"]
    if count == 1:
        return "1 dead message is queued again."
    return f"{count:,} dead messages are queued again."


@portal_view
@require_POST
def link_message_replay(request, pk, mid):
    """Send a dead message again: the same body and webhook-id."""
    actor = acting_user(request)
    link = selectors.link_get(user=actor, pk=pk)
    message = selectors.message_get(user=actor, link=link, pk=mid)
    return run(
        request,
        link,
        lambda: services.message_replay(actor=actor, message=message),
        f"Message {message.pk} is queued again.",
    )
