"""Framework rows, read from an ``optverify crosscheck --json`` report: which convention each optimizer follows.

The report is data from a run, never code: it is read with ``json`` and only its strings are shown.  A
fingerprint's conventions map each axis to a value, or to the list of values the survey could not tell apart.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FrameworkRow:
    framework: str
    optimizer: str
    rule: str
    status: str
    conventions: tuple[tuple[str, tuple], ...]  # axis → the values left (one when decided)
    notes: tuple[str, ...]
    version: str = ""  # the framework's packages that ran, e.g. "optax 0.2.4, jax 0.4.35" (empty: not recorded)
    closest: tuple[tuple[str, tuple], ...] = ()  # no convention matched: the closest variant, axis → values
    error: str = ""  # the optimizer crashed on ordinary inputs: its error, as the report says it

    def follows(self, axis: str, value) -> bool:
        return any(a == axis and value in values for a, values in self.conventions)


def _values(value) -> tuple:
    return tuple(value) if isinstance(value, list) else (value,)


def version_text(packages) -> str:
    """{"optax": "0.2.4", "jax": "0.4.35"} → "optax 0.2.4, jax 0.4.35" (strings only: the report is data)."""
    if not isinstance(packages, dict):
        return ""
    return ", ".join(f"{name} {version}" for name, version in packages.items() if isinstance(version, str))


def _axes(conventions) -> tuple[tuple[str, tuple], ...]:
    return tuple((str(a), _values(v)) for a, v in conventions.items()) if isinstance(conventions, dict) else ()


def row_of(raw: dict, versions: dict | None = None) -> FrameworkRow:
    fingerprint = raw.get("fingerprint") if isinstance(raw.get("fingerprint"), dict) else {}
    surveyed = _axes(fingerprint.get("conventions"))  # the matches' conventions, else the closest variant's
    matched = bool(fingerprint.get("matched"))
    framework = str(raw.get("framework", ""))
    return FrameworkRow(framework=framework, optimizer=str(raw.get("optimizer", "")),
                        rule=str(raw.get("rule", "")), status=str(raw.get("status", "")),
                        conventions=surveyed if matched else (),
                        notes=tuple(str(n) for n in raw.get("notes") or ()),
                        version=version_text((versions or {}).get(framework)),
                        closest=() if matched else surveyed, error=str(fingerprint.get("error") or ""))


def load(path: str | Path | None) -> tuple[tuple[FrameworkRow, ...], float | None]:
    """The rows of a crosscheck JSON report, and how long that run took (None without a report)."""
    if path is None:
        return (), None
    payload = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(payload, dict) or not isinstance(payload.get("rows"), list):
        raise ValueError(f"{path}: not an `optverify crosscheck --json` report (no 'rows' list)")
    versions = payload.get("versions") if isinstance(payload.get("versions"), dict) else {}  # older reports: none
    return tuple(row_of(r, versions) for r in payload["rows"] if isinstance(r, dict)), payload.get("seconds")


def rows_for(rows, name: str) -> tuple[FrameworkRow, ...]:
    return tuple(r for r in rows if r.rule == name)


def followers(rows, name: str, axis: str, value) -> tuple[str, ...]:
    """The optimizers of rule ``name`` whose matched convention includes ``axis = value``."""
    return tuple(r.optimizer for r in rows_for(rows, name) if r.status == "matched" and r.follows(axis, value))
