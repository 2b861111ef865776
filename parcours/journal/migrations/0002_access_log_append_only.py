"""The access log is append-only: the database itself refuses UPDATE and DELETE (CNIL délibération 2021-122)."""

from django.db import migrations

PG = """
CREATE OR REPLACE FUNCTION journal_accesslog_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'journal_accesslog est en ajout seul';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER journal_accesslog_no_update BEFORE UPDATE OR DELETE ON journal_accesslog
  FOR EACH ROW EXECUTE FUNCTION journal_accesslog_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS journal_accesslog_no_update ON journal_accesslog;
DROP FUNCTION IF EXISTS journal_accesslog_append_only();
"""
SQLITE = [
    """CREATE TRIGGER journal_accesslog_no_update BEFORE UPDATE ON journal_accesslog
       BEGIN SELECT RAISE(ABORT, 'journal_accesslog est en ajout seul'); END;""",
    """CREATE TRIGGER journal_accesslog_no_delete BEFORE DELETE ON journal_accesslog
       BEGIN SELECT RAISE(ABORT, 'journal_accesslog est en ajout seul'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS journal_accesslog_no_update;",
    "DROP TRIGGER IF EXISTS journal_accesslog_no_delete;",
]


def forwards(apps, schema_editor):
    statements = [PG] if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = [PG_REVERSE] if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
