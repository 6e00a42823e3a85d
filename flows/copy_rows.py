"""A page's record logs and API calls, written with PostgreSQL's COPY.

They are the platform's largest writes: a products sync of 10,000 articles writes 10,000
record logs and as many API calls. One INSERT of a page's rows makes PostgreSQL parse and
plan a statement with a placeholder per value (and Django build it); COPY streams the rows
as they are. Other databases (the embedded SQLite of a first look) get bulk_create.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, router
from django.db.models import Field, Model


def insert_rows(model: type[Model], objects: Sequence[Model]) -> None:
    """Insert new rows of `model` (their ids are not read back)."""
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects)
        return
    fields: list[Field] = [  # type: ignore[type-arg]
        f for f in model._meta.concrete_fields if not f.primary_key
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for obj in objects:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
