# The alert kind of the hours of activity (parcours.activity.hours.below_target, issue 5 §5).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('alerts', '0003_flux_alert_kinds'),
    ]

    operations = [
        migrations.AlterField(
            model_name='alert',
            name='kind',
            field=models.CharField(choices=[('two_no_shows', 'Deux absences de suite'), ('no_show', 'Absence à un rendez-vous'), ('rsa_suspended', 'Droit RSA suspendu'), ('rsa_closed', 'Droit RSA clos'), ('moved_out', 'Déménagement hors du département'), ('no_contact', 'Sans contact depuis longtemps'), ('cadence_missed', 'Rendez-vous en retard sur la cadence'), ('contract_ending', 'Contrat bientôt échu'), ('hours_below_target', "Heures d'activité très en dessous de la cible")], max_length=30, verbose_name='type'),
        ),
    ]
