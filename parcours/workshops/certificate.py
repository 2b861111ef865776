"""The attendance certificate of a workshop (PDF): who, which sessions attended (dates and hours), the organisation.

Written with fpdf2 and the DejaVu Sans font shipped in parcours/workshops/fonts (LICENSE.txt there): the PDF core
fonts only know Latin-1, and names and titles may carry œ, ’ or –.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import slugify
from fpdf import FPDF

from parcours.workshops.enums import RegistrationStatus
from parcours.workshops.models import Registration

FONTS = Path(__file__).parent / "fonts"
FAMILY = "dejavu"


def attended_registrations(beneficiary, series):
    """The sessions of `series` the person attended, oldest first."""
    return list(
        Registration.objects.filter(
            beneficiary=beneficiary,
            session__series=series,
            status=RegistrationStatus.REGISTERED,
            attended=True,
        )
        .select_related("session__place", "session__facilitator")
        .order_by("session__starts_at")
    )


def _hours_label(hours: float) -> str:
    whole, minutes = int(hours), round((hours - int(hours)) * 60)
    if minutes == 60:
        whole, minutes = whole + 1, 0
    return f"{whole} h {minutes:02d}" if minutes else f"{whole} h"


def certificate(beneficiary, series, *, compress: bool = True, now=None) -> bytes:
    """The PDF (bytes) certifying the person's attendance at the sessions of `series` she attended.

    Refused (ValidationError in French) when she attended none."""
    registrations = attended_registrations(beneficiary, series)
    if not registrations:
        raise ValidationError(f"{beneficiary.full_name} n'a assisté à aucune séance de cet atelier.")
    now = timezone.localtime(now or timezone.now())
    organization = series.organization
    total = sum(r.session.hours for r in registrations)

    pdf = FPDF(format="A4")
    pdf.set_compression(compress)
    pdf.set_title(f"Attestation de présence — {series.title}")
    pdf.set_author(organization.name)
    pdf.set_creator("Parcours")
    pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    width = pdf.epw

    pdf.set_font(FAMILY, "B", 11)
    pdf.multi_cell(width, 6, organization.name, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(14)
    pdf.set_font(FAMILY, "B", 18)
    pdf.multi_cell(width, 10, "Attestation de présence", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)

    pdf.set_font(FAMILY, "", 11)
    born = f", né·e le {beneficiary.birth_date:%d/%m/%Y}" if beneficiary.birth_date else ""
    pdf.multi_cell(
        width,
        6,
        f"{organization.name} atteste que {beneficiary.first_name} {beneficiary.last_name.upper()}{born}, "
        f"a participé à l'atelier « {series.title} » ({series.get_kind_display().lower()}) "
        f"lors des séances suivantes :",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)

    pdf.set_font(FAMILY, "B", 10)
    columns = (0.22, 0.22, 0.16, 0.40)
    headers = ("Date", "Horaires", "Durée", "Lieu")
    for share, header in zip(columns, headers, strict=True):
        pdf.cell(width * share, 8, header, border=1)
    pdf.ln()
    pdf.set_font(FAMILY, "", 10)
    for r in registrations:
        session = r.session
        start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        cells = (
            f"{start:%d/%m/%Y}",
            f"{start:%H:%M} – {end:%H:%M}",
            _hours_label(session.hours),
            session.where or "—",
        )
        for share, text in zip(columns, cells, strict=True):
            pdf.cell(width * share, 8, text[:60], border=1)
        pdf.ln()
    pdf.set_font(FAMILY, "B", 10)
    pdf.cell(width * 0.44, 8, "Total", border=1)
    pdf.cell(width * 0.56, 8, _hours_label(total), border=1)
    pdf.ln(16)

    pdf.set_font(FAMILY, "", 11)
    pdf.multi_cell(
        width,
        6,
        f"Attestation établie le {now:%d/%m/%Y} pour servir et valoir ce que de droit.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(10)
    pdf.multi_cell(width, 6, f"Pour {organization.name}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def filename(beneficiary, series) -> str:
    return f"attestation-{slugify(series.title)[:40]}-{slugify(beneficiary.last_name)[:30]}.pdf"
