"""Settings: where the warehouse and the source configuration live, and the loaded configuration."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SOURCE_KINDS = ("files", "feed", "sitemap", "urls", "warc")
DEFAULT_CONFIG = Path("config/sources.yaml")
DEFAULT_WAREHOUSE = Path("warehouse")


class ConfigError(ValueError):
    """The configuration file is missing or wrong; the message says where."""


def warehouse_path(explicit: str | os.PathLike | None = None) -> Path:
    return Path(explicit or os.environ.get("BROADSHEET_WAREHOUSE") or DEFAULT_WAREHOUSE)


def config_path(explicit: str | os.PathLike | None = None) -> Path:
    return Path(explicit or os.environ.get("BROADSHEET_CONFIG") or DEFAULT_CONFIG)


@dataclass
class Config:
    sources: list[dict[str, Any]]
    fetch: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def source(self, name: str) -> dict[str, Any]:
        for source in self.sources:
            if source["name"] == name:
                return source
        raise ConfigError(f"no source named {name!r} in {self.path}")


def _resolve_location(location: Any, base: Path) -> Any:
    def one(value: str) -> str:
        if "://" in value or Path(value).is_absolute():
            return value
        return str((base / value).resolve())
    if isinstance(location, list):
        return [one(str(v)) for v in location]
    return one(str(location))


def parse_config(data: Any, base: Path, origin: str) -> Config:
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list) or not data["sources"]:
        raise ConfigError(f"{origin}: expected a mapping with a non-empty 'sources' list")
    sources, seen = [], set()
    for position, source in enumerate(data["sources"], 1):
        if not isinstance(source, dict):
            raise ConfigError(f"{origin}: source #{position} is not a mapping")
        missing = [key for key in ("name", "kind", "location") if not source.get(key)]
        if missing:
            raise ConfigError(f"{origin}: source #{position} lacks {', '.join(missing)}")
        if source["kind"] not in SOURCE_KINDS:
            raise ConfigError(f"{origin}: source {source['name']!r} has kind {source['kind']!r}; "
                              f"expected one of {', '.join(SOURCE_KINDS)}")
        if source["name"] in seen:
            raise ConfigError(f"{origin}: source name {source['name']!r} is used twice")
        seen.add(source["name"])
        source = dict(source)
        if source["kind"] in ("files", "warc", "urls"):
            source["location"] = _resolve_location(source["location"], base)
        sources.append(source)
    fetch = data.get("fetch") or {}
    if not isinstance(fetch, dict):
        raise ConfigError(f"{origin}: 'fetch' must be a mapping")
    return Config(sources=sources, fetch=fetch)


def load_config(path: str | os.PathLike | None = None) -> Config:
    path = config_path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    config = parse_config(data, path.resolve().parent, str(path))
    config.path = path
    return config


def files_config(paths: list[str]) -> Config:
    """The configuration `broadsheet ingest PATH...` runs with: the given paths as one files source."""
    return Config(sources=[{"name": "files", "kind": "files",
                            "location": [str(Path(p).resolve()) for p in paths]}])
