"""Existing files get their normalised names, and a NIR index over the 13 identifying characters."""

from django.db import migrations


def forwards(apps, schema_editor):
    from parcours.people.identity import name_key
    from parcours.people.models import nir_index

    Beneficiary = apps.get_model("people", "Beneficiary")
    for person in Beneficiary.objects.only("pk", "first_name", "last_name", "birth_name", "nir").iterator():
        Beneficiary.objects.filter(pk=person.pk).update(
            last_key=name_key(person.last_name),
            first_key=name_key(person.first_name),
            birth_key=name_key(person.birth_name),
            nir_index=nir_index(person.nir or ""),
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0002_identity_and_provenance")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
