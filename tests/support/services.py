"""The PostgreSQL and Redis that the distributed tests use, and a private database / key space per run.

Other test runs may use the same servers at the same time, so nothing here touches what it did not
create: each cluster gets a fresh PostgreSQL database (dropped at the end) and a Redis database
number plus a key prefix chosen at random (its keys are deleted at the end).

Where the servers are: TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres, an
administrative database to create others from) and TEST_REDIS_URL (default redis://127.0.0.1:6379).
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import pytest

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")

START_POSTGRES = ("pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start "
                  "(or run `bash .ci/run`, which installs and starts it)")
START_REDIS = ("redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' --appendonly no "
               "(or run `bash .ci/run`, which installs and starts it)")


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def _execute(sql: str, url: str = POSTGRES_URL) -> list[tuple]:
    """One statement in autocommit mode (CREATE/DROP DATABASE cannot run in a transaction)."""
    import psycopg2
    connection = psycopg2.connect(url, connect_timeout=5)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def postgres_problem() -> str | None:
    """None if PostgreSQL answers and lets us create databases, else a one-line reason."""
    try:
        rows = _execute("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")
    except Exception as exc:  # psycopg2.OperationalError and friends: the reason is in the message
        return f"PostgreSQL does not answer at {POSTGRES_URL} ({str(exc).strip().splitlines()[0]})"
    if not rows or not rows[0][0]:
        return f"the PostgreSQL user of {POSTGRES_URL} may not create databases"
    return None


def redis_problem() -> str | None:
    import redis
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
        client.ping()
        client.close()
    except Exception as exc:
        return f"Redis does not answer at {REDIS_URL} ({exc})"
    return None


@dataclass
class PostgresDatabase:
    name: str
    url: str              # postgresql://user@host:port/name (no driver)

    def sqlalchemy_url(self, driver: str = "psycopg2") -> str:
        return self.url.replace("postgresql://", f"postgresql+{driver}://", 1)

    def query(self, sql: str, params: tuple | dict = ()) -> list[dict]:
        """Rows as dicts, read in this database (a short connection of its own)."""
        import psycopg2
        import psycopg2.extras
        connection = psycopg2.connect(self.url, connect_timeout=5)
        try:
            with connection.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
                cursor.execute(sql, params)
                return [dict(row) for row in cursor.fetchall()]
        finally:
            connection.close()

    def drop(self) -> None:
        _execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def create_database(prefix: str = "broadsheet_test") -> PostgresDatabase:
    name = f"{prefix}_{secrets.token_hex(5)}"
    _execute(f'CREATE DATABASE "{name}"')
    return PostgresDatabase(name, _with_database(POSTGRES_URL, name))


@dataclass
class RedisKeyspace:
    """A Redis database number and a key prefix of our own; `clear()` deletes only our keys."""
    db: int
    prefix: str

    @property
    def url(self) -> str:
        return f"{REDIS_URL.rstrip('/')}/{self.db}"

    def clear(self) -> int:
        import redis
        client = redis.Redis.from_url(self.url, socket_connect_timeout=5)
        try:
            keys = list(client.scan_iter(match=f"{self.prefix}*", count=500))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start:start + 500])
            return len(keys)
        finally:
            client.close()


def new_keyspace() -> RedisKeyspace:
    # databases 1..15 (0 is everybody's default); the prefix keeps two runs on one number apart
    return RedisKeyspace(db=1 + secrets.randbelow(15), prefix=f"bs-test-{secrets.token_hex(4)}:")


@pytest.fixture(scope="session")
def postgres_server():
    """Skips (saying how to start it) when PostgreSQL is not there; the admin URL otherwise."""
    problem = postgres_problem()
    if problem:
        pytest.skip(f"{problem}: start it with {START_POSTGRES}")
    return POSTGRES_URL


@pytest.fixture(scope="session")
def redis_server():
    problem = redis_problem()
    if problem:
        pytest.skip(f"{problem}: start it with {START_REDIS}")
    return REDIS_URL
