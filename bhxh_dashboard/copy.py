"""Bulk writes with PostgreSQL's COPY, for batches where INSERTs cost too much."""

from collections.abc import Iterable, Sequence

from django.db import connection


def copy_rows(table: str, columns: str, rows: Iterable[Sequence]) -> None:
    """Write `rows` (values in the order of `columns`, "a, b, c") into `table` in one COPY:
    several times faster than bulk_create's INSERTs. PostgreSQL only; no model save(), signals
    or defaults."""
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
