"""Hand-written migrations match the SQLAlchemy models: alembic's compare_metadata
on a freshly migrated database finds no difference.

The core and every installed plugin that imports cleanly are migrated together
(each with its own version folder) and compared once per database; each
difference is charged to the package whose model owns the table, so a failure
names the package to fix. The comparison runs in a fresh interpreter: models
that other tests imported cannot leak into the metadata.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    "chat",
    *sorted({entry.value.split(".")[0] for entry in entry_points(group="touchpoint.plugins")}),
]

COMPARE = r"""
import asyncio, importlib, importlib.util, json, sys
from collections import defaultdict
from importlib.metadata import entry_points
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Table, create_engine

import chat.models  # noqa: F401  (the core tables)
from chat.config import Settings
from chat.db import Base, sync_url
from chat.hub import Hub
from chat.plugins import installed_plugins

data_dir, database_url = sys.argv[1], sys.argv[2] or None
plugins, failed = {}, {}
for entry in entry_points(group="touchpoint.plugins"):
    try:
        for plugin in installed_plugins([entry.name]):
            plugins[plugin.name] = plugin
        # Models a plugin declares no migrations for must show up as differences too.
        migrations = plugins[entry.name].migrations or ""
        candidates = {entry.module.rpartition(".")[0], migrations.partition(":")[0]} - {""}
        for package in candidates:
            for module in ("models", "_models"):
                if importlib.util.find_spec(f"{package}.{module}"):
                    importlib.import_module(f"{package}.{module}")
    except Exception as exc:  # a plugin still being written
        failed[entry.name] = (entry.value.split(".")[0], f"{type(exc).__name__}: {exc}")
for name in failed:
    plugins.pop(name, None)

# Which package owns each table: the module of its mapped class (or of the class
# whose relationship uses it as an association table).
owner = {}
for mapper in Base.registry.mappers:
    package = mapper.class_.__module__.split(".")[0]
    for table in mapper.tables:
        owner[table.name] = package
    for relationship in mapper.relationships:
        if isinstance(relationship.secondary, Table):
            owner.setdefault(relationship.secondary.name, package)

def table_of(difference):
    if isinstance(difference, list):  # modify_* come grouped per column
        return difference[0][2]
    subject = difference[1]
    if subject is None or isinstance(subject, str):  # (kind, schema, table, column)
        return difference[2]
    if isinstance(subject, Table):
        return subject.name
    return subject.table.name

hub = Hub(Settings(data_dir=Path(data_dir), database_url=database_url), list(plugins.values()))
asyncio.run(hub.migrate())
engine = create_engine(sync_url(hub.database_url))
with engine.connect() as connection:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    differences = compare_metadata(context, Base.metadata)
engine.dispose()
by_package = defaultdict(list)
for difference in differences:
    by_package[owner.get(table_of(difference), "chat")].append(repr(difference))
packages = {entry.value.split(".")[0] for entry in entry_points(group="touchpoint.plugins")}
loaded = packages - {package for package, _ in failed.values()}
print(json.dumps({
    "loaded": sorted(loaded | {"chat"}),
    "failed": {name: reason for name, (_, reason) in failed.items()},
    "owners": owner,
    "differences": by_package,
}))
"""


_reports: dict[str, dict[str, Any]] = {}


def compare(backend: str, database_url: str, data_dir: Path) -> dict[str, Any]:
    """One migrate-and-compare run per database kind, shared by the per-package tests."""
    if backend not in _reports:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        done = subprocess.run(
            [sys.executable, "-c", COMPARE, str(data_dir), database_url],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=240,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        _reports[backend] = json.loads(done.stdout.strip().splitlines()[-1])
    return _reports[backend]


@pytest.mark.parametrize("package", PACKAGES)
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_migrations_match_the_models(
    backend: str, package: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = request.getfixturevalue("postgres_url") if backend == "postgres" else ""
    comparison = compare(backend, url, tmp_path)
    if package not in comparison["loaded"]:
        pytest.skip(f"{package} does not import yet: {comparison['failed']}")
    if package == "chat":
        core = {"contacts", "conversations", "messages", "agents", "teams", "agent_teams"}
        assert core <= {t for t, p in comparison["owners"].items() if p == "chat"}
    differences = comparison["differences"].get(package, [])
    assert differences == [], f"{package}: its migrations and its models differ"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_hub_with_fewer_plugins_opens_the_database_of_a_fuller_one(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """`touchpoint kb import` (knowledge only) on the data dir of `touchpoint serve`
    (every plugin): the revisions of plugins it does not load still resolve, and a
    hub brings up to date only the branches it loads."""
    import asyncio

    from sqlalchemy import create_engine, inspect, text

    from chat.config import Settings
    from chat.db import sync_url
    from chat.hub import Hub
    from chat.plugins import installed_plugins

    url = request.getfixturevalue("postgres_url") if backend == "postgres" else None
    settings = Settings(data_dir=tmp_path, database_url=url)

    def migrate(plugins: list[str]) -> set[str]:
        """The revisions in the database after a hub with ``plugins`` migrated it."""
        hub = Hub(settings, installed_plugins(plugins))
        asyncio.run(hub.migrate())
        engine = create_engine(sync_url(hub.database_url))
        with engine.connect() as connection:
            versions = {row[0] for row in connection.execute(text("SELECT * FROM alembic_version"))}
            tables = set(inspect(connection).get_table_names())
        engine.dispose()
        assert "conversations" in tables
        assert ("kb_category_names" in tables) == ("knowledge_0003" in versions)
        assert ("widget_sites" in tables) == ("widget_0001" in versions)
        return versions

    assert migrate([]) == {"chat_0004"}  # the core alone: no plugin's tables
    assert migrate(["knowledge"]) == {"chat_0004", "knowledge_0003"}
    everything = {"chat_0004", "knowledge_0003", "widget_0001"}
    assert migrate(["widget"]) == everything  # the widget requires the knowledge plugin
    # Fewer plugins than the database knows: it opens, and nothing changes.
    assert migrate(["knowledge"]) == everything
    assert migrate([]) == everything
