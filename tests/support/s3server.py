"""An S3-compatible object store for tests: moto's standalone server, as its own process on 127.0.0.1.

The code under test talks plain HTTP to it, exactly as it would to AWS or MinIO; nothing is patched.

    def test_something(s3_server):
        s3_server.endpoint_url        # http://127.0.0.1:PORT
        s3_server.bucket              # a fresh bucket, created at start
        s3_server.uri("warehouse")    # s3://BUCKET/warehouse
        s3_server.env                 # AWS_* variables for any process (boto3, delta-rs, the workers)
        s3_server.filesystem()        # pyarrow.fs.S3FileSystem pointed at the server

delta-rs (`deltalake`) and boto3 read the endpoint from AWS_ENDPOINT_URL; pyarrow's S3FileSystem
does not (it is given `endpoint_override`, see `filesystem()`). AWS_ALLOW_HTTP=true lets delta-rs'
object store use plain HTTP. No locking setting is needed: deltalake 1.x commits to `_delta_log/`
with a conditional PUT (If-None-Match: *), which moto, MinIO and AWS S3 all honour.
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# What every process that talks to the store needs; the compose file sets the same names (for MinIO).
S3_ENV_NAMES = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
                "AWS_DEFAULT_REGION", "AWS_ALLOW_HTTP")
REGION = "us-east-1"


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except FileNotFoundError:
        return "(no log)"


@dataclass
class S3Server:
    endpoint_url: str
    bucket: str
    access_key: str
    secret_key: str
    region: str = REGION
    log_path: Path | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def env(self) -> dict[str, str]:
        """Environment variables for a process that uses the store (names: S3_ENV_NAMES)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ALLOW_HTTP": "true",
        }

    @property
    def storage_options(self) -> dict[str, str]:
        """The same settings as delta-rs `storage_options`, for code that does not read the environment."""
        return dict(self.env)

    def uri(self, *parts: str) -> str:
        key = "/".join(p.strip("/") for p in parts if p)
        return f"s3://{self.bucket}/{key}" if key else f"s3://{self.bucket}"

    def filesystem(self):
        from pyarrow.fs import S3FileSystem
        return S3FileSystem(access_key=self.access_key, secret_key=self.secret_key, region=self.region,
                            endpoint_override=self.endpoint_url)

    def client(self):
        import boto3
        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name=self.region,
                            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_s3_server(log_dir: Path, bucket: str | None = None, timeout: float = 30.0) -> S3Server:
    """Start moto's server on a free port, wait until it answers, create the bucket."""
    log_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = log_dir / "moto_server.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    server = S3Server(endpoint_url=f"http://127.0.0.1:{port}", bucket=bucket or f"broadsheet-{secrets.token_hex(4)}",
                      access_key="test-" + secrets.token_hex(4), secret_key=secrets.token_hex(16),
                      log_path=log_path, process=process)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"moto server exited with {process.returncode}: {tail(log_path)}")
        try:
            with urllib.request.urlopen(server.endpoint_url + "/moto-api/", timeout=2) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"moto server did not answer on {server.endpoint_url} within {timeout:.0f} s: "
                               f"{tail(log_path)}")
        time.sleep(0.2)
    try:
        server.client().create_bucket(Bucket=server.bucket)
    except Exception:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """One S3-compatible server with one bucket for the whole session; stopped at the end."""
    server = start_s3_server(tmp_path_factory.mktemp("s3server"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def s3_env(s3_server):
    """This test process talks to the server through the standard AWS_* variables, as any process would."""
    from pipeline.store import storage
    saved = {name: os.environ.get(name) for name in s3_server.env}
    os.environ.update(s3_server.env)
    storage.s3_filesystem.cache_clear()
    storage._storage.cache_clear()
    yield s3_server
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    storage.s3_filesystem.cache_clear()
    storage._storage.cache_clear()
