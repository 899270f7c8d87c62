"""Point in time: who held a number, and who used it, at a moment (from the history).

For emergency-services and lawful requests. The answer is the API's
(``selectors.number_at``), replayed from the append-only events; a number that was
not held in the actor's accounts at that moment gets the same "no answer" as one that
never existed, so the page discloses nothing the API would not.
"""

from django import forms

from didhub.core.errors import NotVisible, ValidationFailed
from didhub.numbers import selectors
from didhub.web.acting import acting_user
from didhub.web.views.base import form_errors_from, portal_view, render_page


class NumberAtForm(forms.Form):
    e164 = forms.CharField(
        label="Number", max_length=32, help_text="In E.164 form, e.g. +12125550100."
    )
    when = forms.DateTimeField(
        label="At",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text="Your time zone's local time.",
    )


@portal_view
def number_at(request):
    """The form, and with ``e164`` and ``when`` given, the answer below it."""
    actor = acting_user(request)
    form = NumberAtForm(request.GET if "e164" in request.GET else None)
    answer = None
    not_found = False
    if form.is_bound and form.is_valid():
        try:
            answer = selectors.number_at(
                user=actor, e164=form.cleaned_data["e164"], when=form.cleaned_data["when"]
            )
        except ValidationFailed as error:
            form_errors_from(form, error)
        except NotVisible:
            not_found = True
    if answer is not None:
        answer["assignment_rows"] = sorted(answer["assignments"].items())
    context = {"section": "number_at", "form": form, "answer": answer, "not_found": not_found}
    return render_page(request, "web/numbers/at.html", context)
