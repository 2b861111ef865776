"""Set-based writes for the import path: many rows in one executemany, values prepared once per column.

The ORM's bulk_create compiles every value through the SQL compiler (about 10× the cost of the insert itself at
import volumes, BENCHMARKS §4.2); here each column gets one adapter, chosen once, and the rows go to the driver as
plain tuples (psycopg pipelines an executemany; SQLite runs it in C).
"""

import uuid

from django.db import connection, models

from parcours.core.crypto import EncryptedTextField


def _adapter(field):
    """A function python value → database value for this column."""
    ops = connection.ops
    if isinstance(field, (models.JSONField, models.UUIDField, EncryptedTextField)):
        return lambda value: field.get_db_prep_save(value, connection)
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    return None  # str, int, bool, foreign keys: the driver takes them as they are


def _plan(model, names):
    fields = [model._meta.get_field(name) for name in names]
    return fields, [_adapter(f) for f in fields]


def _tuples(rows, names, adapters):
    for row in rows:
        yield [
            a(row[n]) if a is not None and row[n] is not None else row[n] for n, a in zip(names, adapters, strict=True)
        ]


def insert_rows(model, rows: list[dict]) -> None:
    """INSERT rows given as {attname: python value} (every row has the same keys) with one executemany."""
    if not rows:
        return
    names = list(rows[0])
    fields, adapters = _plan(model, names)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: several times the rate of a pipelined executemany (BENCHMARKS §4.1). It goes through Django's
            # execute wrappers, so that statement counters and instrumentation see it like any other statement.
            sql = f"COPY {table} ({columns}) FROM STDIN"

            def copy(sql, params, many, context):
                with context["cursor"].cursor.copy(sql) as target:
                    for values in params:
                        target.write_row(values)

            cursor._execute_with_wrappers(sql, _tuples(rows, names, adapters), False, executor=copy)
            return
        marks = ", ".join(["%s"] * len(fields))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(_tuples(rows, names, adapters)))


def update_rows(model, rows: list[dict], names: list[str], *, bump_version: bool = False) -> None:
    """UPDATE the columns `names` of rows given as {"pk": …, attname: value} with one executemany."""
    if not rows:
        return
    fields, adapters = _plan(model, names)
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    if bump_version:
        assignments += f", {quote('version')} = {quote('version')} + 1"
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"
    params = [[*values, row["pk"]] for values, row in zip(_tuples(rows, names, adapters), rows, strict=True)]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()
