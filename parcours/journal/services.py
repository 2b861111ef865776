from parcours.journal.models import AccessLog, Section, TimelineEvent


def record(beneficiary, *, actor, kind: str, summary: str, section=Section.IDENTITY) -> TimelineEvent:
    """Append one timeline entry (who, when, what) to a person's file.

    `section` says who may read the entry: a change in the health section is only shown to those who
    may read health data.
    """
    return TimelineEvent.objects.create(
        department_id=beneficiary.department_id,
        beneficiary=beneficiary,
        actor=actor,
        kind=kind,
        section=section,
        summary=summary[:300],
    )


def log_reads(beneficiary, *, actor, profession: str, sections, path: str = "") -> None:
    """One access-log row per sensitive section shown to `actor`."""
    AccessLog.objects.bulk_create(
        AccessLog(
            department_id=beneficiary.department_id,
            beneficiary=beneficiary,
            actor=actor,
            profession=profession,
            section=section,
            path=path[:300],
        )
        for section in sorted(sections)
    )
