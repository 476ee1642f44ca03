from pathlib import Path

import pytest

from pipeline.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[1]


def test_default_config_points_at_the_samples():
    config = load_config(ROOT / "config" / "sources.yaml")
    [source] = config.sources
    assert source["kind"] == "files"
    assert Path(source["location"]) == ROOT / "samples"


@pytest.mark.parametrize("data, message", [
    ({}, "non-empty 'sources'"),
    ({"sources": [{"name": "x", "kind": "files"}]}, "lacks location"),
    ({"sources": [{"name": "x", "kind": "ftp", "location": "a"}]}, "kind 'ftp'"),
    ({"sources": [{"name": "x", "kind": "files", "location": "a"},
                  {"name": "x", "kind": "files", "location": "b"}]}, "used twice"),
])
def test_bad_configs_say_what_is_wrong(data, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(data, Path("/tmp"), "test.yaml")


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_relative_locations_are_taken_from_the_config_folder(tmp_path):
    path = tmp_path / "conf" / "sources.yaml"
    path.parent.mkdir()
    path.write_text("sources:\n  - {name: local, kind: files, location: ../data}\n"
                    "  - {name: web, kind: feed, location: 'http://127.0.0.1:8000/feed.xml'}\n")
    config = load_config(path)
    assert config.source("local")["location"] == str(tmp_path / "data")
    assert config.source("web")["location"] == "http://127.0.0.1:8000/feed.xml"
