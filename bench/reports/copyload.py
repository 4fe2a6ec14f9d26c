"""Bulk loading with PostgreSQL COPY into the product's own tables.

The tables are named and their columns listed from the models (``_meta``), never
written out, so that a migration renaming one breaks the load loudly instead of
loading the wrong thing. While a table is loaded its secondary indexes and the
primary and unique keys nothing refers to are dropped, and built again afterwards
from their saved definitions: one sort per index instead of millions of random
insertions into B-trees larger than PostgreSQL's buffers. Foreign keys stay declared;
the loading sessions run as replicas (``session_replication_role``) so that their
checks, one index probe per row, are skipped for rows made consistent by
construction.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

import psycopg


def columns(model, names: Iterable[str]) -> list[str]:
    """The database columns of ``names``, checked to be every column of the table:
    a column added by a migration must be given a value here too."""
    out = [model._meta.get_field(name).column for name in names]
    every = {f.column for f in model._meta.concrete_fields}
    missing = every - set(out)
    if missing:
        raise RuntimeError(f"{model._meta.db_table}: no value given for {sorted(missing)}")
    return out


def copy_sql(model, names: Iterable[str]) -> str:
    cols = ", ".join(f'"{c}"' for c in columns(model, names))
    return f'COPY "{model._meta.db_table}" ({cols}) FROM STDIN'


def loading_connection(url: str) -> psycopg.Connection:
    """A connection for COPY: commits without waiting for the disk, foreign-key
    triggers off when the role may turn them off (a superuser), on otherwise."""
    conn = psycopg.connect(url)
    conn.execute("SET synchronous_commit = off")
    try:
        conn.execute("SET session_replication_role = replica")
    except psycopg.errors.InsufficientPrivilege:
        conn.rollback()
        conn.execute("SET synchronous_commit = off")
    conn.commit()
    return conn


@dataclass
class Deferred:
    """The keys and indexes dropped from a table while it is loaded."""

    table: str
    constraints: list[tuple[str, str]] = field(default_factory=list)
    indexes: list[tuple[str, str]] = field(default_factory=list)


def defer_indexes(conn: psycopg.Connection, table: str) -> Deferred:
    deferred = Deferred(table)
    deferred.constraints = conn.execute(
        """
        SELECT c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.conrelid = %s::regclass AND c.contype IN ('p', 'u')
          AND NOT EXISTS (
            SELECT 1 FROM pg_constraint f
            WHERE f.contype = 'f' AND f.conindid = c.conindid
          )
        ORDER BY c.conname
        """,
        (table,),
    ).fetchall()
    deferred.indexes = conn.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1
        """,
        (table,),
    ).fetchall()
    for name, _definition in deferred.constraints:
        conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _definition in deferred.indexes:
        conn.execute(f"DROP INDEX {name}")
    conn.commit()
    return deferred


def restore_indexes(conn: psycopg.Connection, deferred: Deferred) -> None:
    conn.execute("SET maintenance_work_mem = '512MB'")
    for name, definition in deferred.constraints:
        conn.execute(f'ALTER TABLE "{deferred.table}" ADD CONSTRAINT "{name}" {definition}')
        conn.commit()
    for _name, definition in deferred.indexes:
        conn.execute(definition)
        conn.commit()


def next_id(conn: psycopg.Connection, table: str) -> int:
    return conn.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"').fetchone()[0]


def sync_sequence(conn: psycopg.Connection, table: str) -> None:
    """The id sequence past the ids the load gave explicitly (a table whose ids are
    UUIDs has none)."""
    sequence = conn.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
    if sequence:
        conn.execute(
            f'SELECT setval(%s, (SELECT GREATEST(MAX(id), 1) FROM "{table}"))', (sequence,)
        )
    conn.commit()


def vacuum_analyze(url: str, tables: Iterable[str]) -> None:
    """What autovacuum would have done to tables filled over 18 months: visibility
    map and hint bits set, planner statistics current."""
    with psycopg.connect(url, autocommit=True) as conn:
        for table in tables:
            conn.execute(f'VACUUM (ANALYZE) "{table}"')
