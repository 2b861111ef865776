"""« Convocations » on the person's file: how to reach the person (channel, consent) and when they can come."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.views.decorators.http import require_POST

from parcours.journal.services import record
from parcours.notifications.contacts import set_preference
from parcours.notifications.enums import Channel
from parcours.scheduling.constraints import FIELDS, set_constraints
from parcours.scheduling.enums import DayPart
from parcours.web.access import ACCOMPANYING, allow
from parcours.web.prefs_form import PreferencesForm
from parcours.web.views.person_edit import _editable, _fail, _respond


@allow(ACCOMPANYING)
@require_POST
def preferences_save(request, public_id):
    beneficiary, access = _editable(request, public_id)
    form = PreferencesForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                set_preference(
                    beneficiary,
                    by=request.user,
                    channel=data["channel"],
                    sms_consent=data["sms_consent"],
                    email_consent=data["email_consent"],
                )
                set_constraints(beneficiary, **{field: data[field] for field in FIELDS})
                record(
                    beneficiary,
                    actor=request.user,
                    kind="appointment",
                    summary="Préférences de convocation mises à jour "
                    f"({Channel(data['channel']).label.lower()}, {DayPart(data['day_part']).label.lower()})",
                )
        except ValidationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, "Préférences de convocation enregistrées.")
            return _respond(request, beneficiary, access, "appointments")
    return _respond(request, beneficiary, access, "appointments", status=400, prefs_form=form)
