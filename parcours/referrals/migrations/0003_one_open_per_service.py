from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("referrals", "0002_default_rules")]

    operations = [
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["sent", "accepted", "started"])),
                fields=("beneficiary", "service"),
                name="referral_one_open_per_person_and_service",
            ),
        ),
    ]
