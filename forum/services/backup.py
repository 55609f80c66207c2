"""Backups that restore: one archive holding everything a site cannot make again.

- every table, read in one consistent snapshot (a read-only REPEATABLE READ transaction on
  PostgreSQL, one read transaction on SQLite) while the site keeps taking posts, written as JSON
  lines: the same archive restores into SQLite or PostgreSQL;
- the keys under ``instance/`` (``secret_key``, ``pseudonym_key``: without the latter every
  pseudonym in later exports would change) and the background export files;
- a manifest: when, from which schema revision, how many rows of each table, a checksum of every
  member.

The search index is not kept: a restore rebuilds it from the database, the source of truth.
``restore`` loads into an empty database (migrated to the backup's revision first, then to the
current one, so an older backup restores into newer code).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import Connection, func, insert, select, text

from forum import clock
from forum.extensions import db
from forum.models import page_version
from forum.services.errors import ServiceError

FORMAT = 1
KEY_FILES = ("secret_key", "pseudonym_key")
BATCH = 2000
PEOPLES_TABLES = frozenset({"user", "room", "board", "thread", "post", "letter", "department"})


@dataclass(frozen=True)
class Manifest:
    format: int
    created_at: str
    revision: str
    database: str
    rows: dict[str, int]
    files: dict[str, str]  # member name → sha256
    keys_from_settings: list[str]  # keys set in the environment or config.py: keep them yourself

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.astimezone(UTC).isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$datetime"}:
        return datetime.fromisoformat(value["$datetime"])
    return value


def _revision(connection: Connection) -> str:
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def _snapshot(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
    else:  # SQLite (WAL): the first read fixes what this transaction sees
        connection.execute(text("SELECT count(*) FROM alembic_version"))


def _rows(connection: Connection, table) -> Iterator[bytes]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = connection.execute(select(table).order_by(*order).execution_options(yield_per=BATCH))
    for row in result.mappings():
        yield (json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False) + "\n").encode()


class _Writer:
    def __init__(self, archive: tarfile.TarFile) -> None:
        self.archive, self.files = archive, {}

    def add(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = len(data), int(clock.now().timestamp()), 0o600
        self.archive.addfile(info, io.BytesIO(data))
        self.files[name] = hashlib.sha256(data).hexdigest()


def create(path: Path) -> Manifest:
    """Write the archive to ``path`` (written beside it, then renamed: never half a backup)."""
    instance = Path(current_app.instance_path)
    part = path.with_name(path.name + ".part")
    rows: dict[str, int] = {}
    with tarfile.open(part, "w:gz") as archive:
        writer = _Writer(archive)
        with db.engine.connect() as connection, connection.begin():
            _snapshot(connection)
            revision = _revision(connection)
            for table in db.metadata.sorted_tables:
                lines = list(_rows(connection, table))
                rows[table.name] = len(lines)
                writer.add(f"tables/{table.name}.jsonl.gz", gzip.compress(b"".join(lines), mtime=0))
        for name in KEY_FILES:
            if (instance / name).is_file():
                writer.add(f"keys/{name}", (instance / name).read_bytes())
        exports = Path(current_app.config["EXPORT_DIR"])
        if exports.is_dir():
            for file in sorted(p for p in exports.iterdir() if p.is_file() and p.name.startswith("job-")):
                writer.add(f"exports/{file.name}", file.read_bytes())
        from_settings = [name for name in KEY_FILES if not (instance / name).is_file() and _set_in_settings(name)]
        manifest = Manifest(
            FORMAT, clock.now().isoformat(), revision, db.engine.dialect.name, rows, dict(writer.files), from_settings
        )
        data = json.dumps(manifest.as_dict(), ensure_ascii=False, indent=2).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size, info.mtime = len(data), int(clock.now().timestamp())
        archive.addfile(info, io.BytesIO(data))
    part.replace(path)
    return manifest


def _set_in_settings(key_file: str) -> bool:
    return bool(current_app.config.get({"secret_key": "SECRET_KEY", "pseudonym_key": "PSEUDONYM_KEY"}[key_file]))


def read_manifest(archive: tarfile.TarFile) -> Manifest:
    try:
        data = json.loads(archive.extractfile("manifest.json").read())
        manifest = Manifest(**data)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ServiceError(f"not a Hiroba backup (no readable manifest): {error}") from error
    if manifest.format != FORMAT:
        raise ServiceError(f"backup format {manifest.format} is not known to this version")
    return manifest


def _member(archive: tarfile.TarFile, manifest: Manifest, name: str) -> bytes:
    data = archive.extractfile(name).read()
    if hashlib.sha256(data).hexdigest() != manifest.files.get(name):
        raise ServiceError(f"the backup is damaged: {name} does not match its checksum")
    return data


def restore(path: Path) -> Manifest:
    """Load the archive into this app's empty database and instance folder. Refuses a database
    that holds anything: a restore never mixes two sites."""
    from sqlalchemy import inspect

    instance = Path(current_app.instance_path)
    with tarfile.open(path, "r:gz") as archive:
        manifest = read_manifest(archive)
        with db.engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            busy = [  # what a site's people made; migrations only seed rules
                t.name
                for t in db.metadata.sorted_tables
                if t.name in present
                and t.name in PEOPLES_TABLES
                and connection.execute(select(func.count()).select_from(t)).scalar_one()
            ]
        if busy:
            raise ServiceError(f"the database is not empty ({', '.join(busy[:5])} …): restore into a new one")
        db.session.remove()
        if present:  # migrated but empty: rebuilt at the backup's revision
            downgrade(revision="base")
        upgrade(revision=manifest.revision)
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):  # what the migrations seeded
                connection.execute(table.delete())
            for table in db.metadata.sorted_tables:
                name = f"tables/{table.name}.jsonl.gz"
                if name not in manifest.files:
                    continue
                lines = gzip.decompress(_member(archive, manifest, name)).splitlines()
                columns = {c.name for c in table.columns}
                for start in range(0, len(lines), BATCH):
                    batch = [
                        {k: _decode(v) for k, v in json.loads(line).items() if k in columns}
                        for line in lines[start : start + BATCH]
                    ]
                    connection.execute(insert(table), batch)
            if connection.dialect.name == "postgresql":
                _advance_sequences(connection)
        upgrade()
        # a shared page cache may still hold pages of the database this one replaces: jump ahead
        page_version.bump(db.session, [page_version.SITE], by=int(time.time()))
        db.session.commit()
        for name in KEY_FILES:
            member = f"keys/{name}"
            if member in manifest.files:
                target = instance / name
                target.write_bytes(_member(archive, manifest, member))
                target.chmod(0o600)
        exports = Path(current_app.config["EXPORT_DIR"])
        for member in (m for m in manifest.files if m.startswith("exports/")):
            exports.mkdir(parents=True, exist_ok=True)
            (exports / Path(member).name).write_bytes(_member(archive, manifest, member))
    return manifest


def _advance_sequences(connection: Connection) -> None:
    """Rows came with their ids: each id sequence continues after the largest one."""
    for table in db.metadata.sorted_tables:
        for column in table.primary_key.columns:
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": f'"{table.name}"', "column": column.name},
            ).scalar()
            if sequence:
                largest = connection.execute(select(func.max(column))).scalar() or 0
                connection.execute(
                    text("SELECT setval(:sequence, :value, false)"), {"sequence": sequence, "value": largest + 1}
                )
