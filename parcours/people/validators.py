from django.core.exceptions import ValidationError
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.fr import nir as stdnum_nir


def clean_nir(value: str) -> str:
    """Validate a French NIR (with its key) and return it compact, or raise a French message."""
    try:
        return stdnum_nir.validate(value)
    except InvalidLength:
        raise ValidationError("Le NIR doit compter 15 caractères (13 chiffres et la clé de 2 chiffres).") from None
    except InvalidChecksum:
        raise ValidationError("La clé du NIR ne correspond pas : vérifiez les chiffres saisis.") from None
    except (InvalidFormat, InvalidComponent):
        raise ValidationError("Ce NIR n'a pas un format valide (ex. : 2 84 05 93 066 123 45).") from None


def format_nir(value: str) -> str:
    return stdnum_nir.format(value)


def mask_nir(value: str) -> str:
    """Show only the sex, year and key: enough to confirm, not to copy."""
    if not value:
        return ""
    compact = stdnum_nir.compact(value)
    return f"{compact[0]} {compact[1:3]} •• •• ••• ••• {compact[-2:]}"
