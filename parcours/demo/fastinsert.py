"""Insert many rows of a leaf table with one prepared statement (executemany).

`bulk_create` builds one SQL string per batch with a placeholder per value, which dominates the cost at the
demo's tier M (millions of appointments). Here the statement is built once and values go through each
field's own preparation (encryption, UUIDs, datetimes), so what is stored is what the ORM would store.
Primary keys are not returned: use it for rows nothing else points to.
"""

from django.db import connection, models


def insert_rows(model, objs, *, batch_size: int = 5000) -> int:
    fields = [f for f in model._meta.local_concrete_fields if not isinstance(f, models.AutoField)]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    prepare = [(f.attname, f.get_db_prep_save) for f in fields]
    count = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            chunk = objs[start : start + batch_size]
            cursor.executemany(
                sql, [tuple(prep(getattr(obj, name), connection) for name, prep in prepare) for obj in chunk]
            )
            count += len(chunk)
    return count


def insert_tuples(table: str, columns, rows, *, batch_size: int = 10000) -> int:
    """Insert ready-made value tuples (already in database form: see `db_value`)."""
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(table), ", ".join(quote(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, rows[start : start + batch_size])
    return len(rows)


def db_adapters():
    """Functions turning a UUID, an aware datetime and a date into what the current database stores."""
    if connection.vendor == "sqlite":
        return (lambda u: u.hex), connection.ops.adapt_datetimefield_value, (lambda d: d.isoformat())
    return (lambda u: u), (lambda dt: dt), (lambda d: d)
