"""Settings: where the warehouse and the source configuration live, and the loaded configuration.

Everything a config file may say is checked here, when it is loaded, so that a night with a bad
file fails at once with the file and key named instead of part-way through.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

# The one list of source kinds; `pipeline.sources.collect` and the plan stage dispatch on it.
SOURCE_KINDS = ("files", "feed", "sitemap", "urls", "warc")
LOCAL_KINDS = ("files", "warc")          # kinds whose locations may be paths on this machine
SOURCE_KEYS = {"name", "kind", "location", "since", "since_days", "hosts", "urls", "critical"}
TOP_LEVEL_KEYS = {"sources", "fetch", "shard_size", "budgets", "health"}
# A shard is the unit of work, retry and progress: big enough that loading the models is paid
# rarely, small enough that a retried shard costs under a minute on one core.
DEFAULT_SHARD_SIZE = 200
DEFAULT_CONFIG = Path("config/sources.yaml")
DEFAULT_WAREHOUSE = Path("warehouse")


class ConfigError(ValueError):
    """The configuration file is missing or wrong; the message says where."""


def default_workers() -> int:
    """Worker processes for a night's shards: the cores this process may use (a container's CPU set)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def warehouse_path(explicit: str | os.PathLike | None = None) -> str:
    """The warehouse: a local folder or an `s3://bucket/prefix` (see pipeline/store/storage.py)."""
    return str(explicit or os.environ.get("BROADSHEET_WAREHOUSE") or DEFAULT_WAREHOUSE)


def config_path(explicit: str | os.PathLike | None = None) -> str:
    """The sources file: a local path or an `s3://` object."""
    return str(explicit or os.environ.get("BROADSHEET_CONFIG") or DEFAULT_CONFIG)


@dataclass
class Config:
    sources: list[dict[str, Any]]
    fetch: dict[str, Any] = field(default_factory=dict)
    path: Path | str | None = None
    shard_size: int = DEFAULT_SHARD_SIZE
    budgets: dict[str, Any] = field(default_factory=dict)   # see pipeline/stages/budget.py
    health: dict[str, Any] = field(default_factory=dict)    # drift rules, see pipeline/validate/health.py

    @property
    def limits(self):
        from pipeline.stages.budget import Budgets
        return Budgets.from_dict(self.budgets)

    def source(self, name: str) -> dict[str, Any]:
        for source in self.sources:
            if source["name"] == name:
                return source
        raise ConfigError(f"no source named {name!r} in {self.path}")

    def only(self, names: list[str]) -> "Config":
        """The same settings with only the named sources (all of them when `names` is empty)."""
        if not names:
            return self
        unknown = sorted(set(names) - {s["name"] for s in self.sources})
        if unknown:
            raise ConfigError(f"{self.path or 'config'}: no source named {', '.join(map(repr, unknown))}; "
                              f"sources are {', '.join(s['name'] for s in self.sources)}")
        return dataclasses.replace(self, sources=[s for s in self.sources if s["name"] in names])

    def to_dict(self) -> dict[str, Any]:
        """What a night runs with, as plain JSON (kept in its staging area for every worker)."""
        return {"sources": self.sources, "fetch": self.fetch, "shard_size": self.shard_size,
                "budgets": self.budgets, "health": self.health, "path": str(self.path) if self.path else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Config":
        return cls(sources=data["sources"], fetch=data.get("fetch") or {}, path=data.get("path"),
                   shard_size=int(data.get("shard_size") or DEFAULT_SHARD_SIZE), budgets=data.get("budgets") or {}, health=data.get("health") or {})

    def check_locations(self) -> None:
        """Local files and folders a source names must exist: a typo'd folder is a config error,
        not a night that succeeds with nothing in it."""
        from pipeline.sources.urllists import looks_like_url
        from pipeline.store.storage import is_remote
        for source in self.sources:
            if source["kind"] not in LOCAL_KINDS:
                continue
            locations = source["location"] if isinstance(source["location"], list) else [source["location"]]
            missing = [loc for loc in locations
                       if not looks_like_url(loc) and not is_remote(loc) and not Path(loc).exists()]
            if missing:
                raise ConfigError(f"{self.path or 'config'}: source {source['name']!r}: "
                                  f"no such file or folder: {', '.join(missing)}")


def _resolve_location(location: Any, base: Path | None, origin: str) -> Any:
    def one(value: str) -> str:
        if "://" in value or Path(value).is_absolute():
            return value
        if base is None:
            raise ConfigError(f"{origin}: {value!r}: a config on object storage needs absolute paths")
        return str((base / value).resolve())
    if isinstance(location, list):
        return [one(str(v)) for v in location]
    return one(str(location))


def _check_options(source: dict[str, Any], origin: str) -> None:
    name = source["name"]
    unknown = sorted(set(source) - SOURCE_KEYS)
    if unknown:
        raise ConfigError(f"{origin}: source {name!r}: unknown option(s) {', '.join(map(repr, unknown))}; "
                          f"options are {', '.join(sorted(SOURCE_KEYS))}")
    if source.get("since") is not None:
        try:
            date.fromisoformat(str(source["since"]))
        except ValueError:
            raise ConfigError(f"{origin}: source {name!r}: since must be a date YYYY-MM-DD, "
                              f"not {source['since']!r}") from None
    days = source.get("since_days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 0):
        raise ConfigError(f"{origin}: source {name!r}: since_days must be a whole number of days, not {days!r}")
    hosts = source.get("hosts")
    if hosts is not None and not (isinstance(hosts, str) or
                                  (isinstance(hosts, list) and all(isinstance(h, str) for h in hosts))):
        raise ConfigError(f"{origin}: source {name!r}: hosts must be a host name or a list of them")
    if not isinstance(source.get("critical", False), bool):
        raise ConfigError(f"{origin}: source {name!r}: critical must be true or false, not {source['critical']!r}")
    if source.get("urls") is not None and source["kind"] != "urls":
        raise ConfigError(f"{origin}: source {name!r}: 'urls' is an option of kind urls only")


def _check_fetch(fetch: dict[str, Any], origin: str) -> None:
    from pipeline.fetch.settings import FetchSettings
    known = {f.name for f in dataclasses.fields(FetchSettings)} - {"extra"} | {"timeout"}
    unknown = sorted(set(fetch) - known)
    if unknown:
        raise ConfigError(f"{origin}: fetch: unknown setting(s) {', '.join(map(repr, unknown))}; "
                          f"see pipeline/fetch/settings.py for the settings and their defaults")
    problems = FetchSettings.problems(fetch)
    if problems:
        raise ConfigError(f"{origin}: fetch: {'; '.join(problems)}")


def _check_budgets(budgets: Any, origin: str) -> dict[str, Any]:
    from pipeline.stages.budget import Budgets
    if not isinstance(budgets, dict):
        raise ConfigError(f"{origin}: 'budgets' must be a mapping")
    known = {f.name for f in dataclasses.fields(Budgets)}
    unknown = sorted(set(budgets) - known)
    if unknown:
        raise ConfigError(f"{origin}: budgets: unknown setting(s) {', '.join(map(repr, unknown))}; "
                          f"settings are {', '.join(sorted(known))}")
    for key, value in budgets.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"{origin}: budgets: {key} must be a positive number, not {value!r}")
    return dict(budgets)


def parse_config(data: Any, base: Path | None, origin: str) -> Config:
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list) or not data["sources"]:
        raise ConfigError(f"{origin}: expected a mapping with a non-empty 'sources' list")
    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:
        raise ConfigError(f"{origin}: unknown key(s) {', '.join(map(repr, unknown))}; "
                          f"expected {', '.join(sorted(TOP_LEVEL_KEYS))}")
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
        _check_options(source, origin)
        source = dict(source)
        if source["kind"] in ("files", "warc", "urls"):
            source["location"] = _resolve_location(source["location"], base, origin)
        sources.append(source)
    fetch = data.get("fetch") or {}
    if not isinstance(fetch, dict):
        raise ConfigError(f"{origin}: 'fetch' must be a mapping")
    _check_fetch(fetch, origin)
    shard_size = data.get("shard_size", DEFAULT_SHARD_SIZE)
    if isinstance(shard_size, bool) or not isinstance(shard_size, int) or shard_size < 1:
        raise ConfigError(f"{origin}: shard_size must be a positive whole number, not {shard_size!r}")
    budgets = _check_budgets(data.get("budgets") or {}, origin)
    health = data.get("health") or {}
    from pipeline.validate.health import check_settings
    problems = check_settings(health, origin)
    if problems:
        raise ConfigError("; ".join(problems))
    return Config(sources=sources, fetch=fetch, shard_size=shard_size, budgets=budgets, health=health)


def _read_config_text(path: str) -> str:
    from pipeline.store.storage import filesystem_for, is_remote
    if not is_remote(path):
        return Path(path).read_text(encoding="utf-8")
    fs, inner = filesystem_for(path)
    with fs.open_input_stream(inner, compression=None) as stream:
        return stream.read().decode("utf-8")


def load_config(path: str | os.PathLike | None = None) -> Config:
    from pipeline.store.storage import is_remote
    path = config_path(path)
    try:
        data = yaml.safe_load(_read_config_text(path))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if is_remote(path):   # relative paths in it would mean nothing on the worker that reads it
        config = parse_config(data, None, path)
        config.path = path
        return config
    config = parse_config(data, Path(path).resolve().parent, path)
    config.path = Path(path)
    return config


def files_config(paths: list[str], shard_size: int = DEFAULT_SHARD_SIZE) -> Config:
    """The configuration `broadsheet ingest PATH...` runs with: the given paths as one files source."""
    return Config(sources=[{"name": "files", "kind": "files",
                            "location": [str(Path(p).resolve()) for p in paths]}], shard_size=shard_size)
