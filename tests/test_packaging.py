"""An installed (not editable) Broadsheet carries its table schemas and validation suites."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_wheel_install_finds_schemas_and_suites_as_package_data(tmp_path):
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    build = subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w",
                            str(tmp_path / "dist"), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-2000:]
    [wheel] = (tmp_path / "dist").glob("broadsheet-*.whl")
    target = tmp_path / "site"
    install = subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-2000:]
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import pipeline; "
             "from pipeline.store.schemas import TABLES, arrow_schema, schemas_dir; "
             "from pipeline.validate.suites import expectations_dir, suite_tables; "
             "print(pipeline.__file__); print(schemas_dir()); print(expectations_dir()); "
             "print(sorted(TABLES) == sorted(p.stem for p in schemas_dir().glob('*.json'))); "
             "print(','.join(suite_tables())); print(len(arrow_schema('articles')))")
    run = subprocess.run([sys.executable, "-c", probe, str(target)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    package, schemas, suites, all_tables, tables, columns = run.stdout.split()
    for path in (package, schemas, suites):
        assert Path(path).is_relative_to(target), f"{path} is not the installed copy"
    assert all_tables == "True"
    assert tables == "articles,entities,quotes,rejects"
    assert int(columns) > 10
