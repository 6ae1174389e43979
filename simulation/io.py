"""Park files: read and write a :class:`~simulation.network.Park` as JSON, GraphML or CSV.

Formats
-------

**JSON** (primary, format tag ``"bois-park/1"``)::

    {
      "format": "bois-park/1",
      "name": "kalundborg",
      "description": "...",                       # optional
      "firms": [
        {"id": "asnaes", "name": "Asnaes power station", "sector": "power",
         "x_km": 0.0, "y_km": 0.0,
         "demands": {"fuel_gas": {"mw": 20, "min_temperature_c": 0}},   # or a bare number
         "outputs": {"steam": {"mw": 50, "temperature_c": 240}},        # or a bare number
         "note": "source or assumption"}                                 # optional
      ],
      "exchanges": [
        {"supplier": "asnaes", "consumer": "equinor", "form": "steam", "mw": 12, "note": "..."}
      ],
      "backups": [                                                       # optional
        {"form": "steam", "max_share": 0.5, "delay_steps": 6,
         "cost_eur_per_mwh": 75, "co2_t_per_mwh": 0.23, "note": "..."}
      ]
    }

``demands``, ``outputs``, ``note`` and ``description`` are optional. Energy forms are
the :class:`~bois.types.EnergyForm` names in any case (``"hot_water"`` works too).
``backups`` lists utilities that replace :func:`~simulation.network.default_backups`
form by form; forms not listed keep the default; without ``backups`` the defaults apply.

**GraphML** (networkx): a directed multigraph. Graph attributes ``format``, ``name``,
``description`` and ``backup_<form>_{max_share,delay_steps,cost_eur_per_mwh,co2_t_per_mwh,note}``;
node id = firm id, node attributes ``name``, ``sector``, ``x_km``, ``y_km``, ``note``,
``demand_<form>_mw``, ``demand_<form>_min_temperature_c``, ``output_<form>_mw``,
``output_<form>_temperature_c``; edges keyed by form with attributes ``form``, ``mw``, ``note``.

**CSV**: a folder with ``firms.csv`` and ``exchanges.csv`` (and optionally ``park.csv`` and
``backups.csv``):

* ``firms.csv``: ``id,name,sector,x_km,y_km,note`` then any of ``demand_<form>_mw``,
  ``demand_<form>_min_temperature_c``, ``output_<form>_mw``, ``output_<form>_temperature_c``
  (an empty cell means "none");
* ``exchanges.csv``: ``supplier,consumer,form,mw,note``;
* ``park.csv`` (optional): one row ``name,description`` (default name: the folder's name);
* ``backups.csv`` (optional): ``form,max_share,delay_steps,cost_eur_per_mwh,co2_t_per_mwh,note``.

Every problem raises :class:`ParkFileError` naming the file, the record and the field, e.g.
``kalundborg.json: firms[3] (id 'gyproc'): demands.fuel_gas.mw: expected a positive number, got -2``.
Writes are atomic per file: a temporary file in the same folder, then ``os.replace``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import networkx as nx

from bois.types import EnergyForm
from simulation.network import SECTORS, BackupSpec, Demand, Exchange, FirmSpec, Output, Park, default_backups

FORMAT_TAG = "bois-park/1"

FIRMS_CSV = "firms.csv"
EXCHANGES_CSV = "exchanges.csv"
PARK_CSV = "park.csv"
BACKUPS_CSV = "backups.csv"

_FIRM_KEYS = ("id", "name", "sector", "x_km", "y_km", "demands", "outputs", "note")
_FIRM_REQUIRED = ("id", "name", "sector", "x_km", "y_km")
_EXCHANGE_KEYS = ("supplier", "consumer", "form", "mw", "note")
_EXCHANGE_REQUIRED = ("supplier", "consumer", "form", "mw")
_BACKUP_KEYS = ("form", "max_share", "delay_steps", "cost_eur_per_mwh", "co2_t_per_mwh", "note")
_BACKUP_REQUIRED = ("form", "max_share", "delay_steps", "cost_eur_per_mwh", "co2_t_per_mwh")
_TOP_KEYS = ("format", "name", "description", "firms", "exchanges", "backups")
_ABSOLUTE_ZERO_C = -273.15

_DEMAND_ATTR = re.compile(r"^demand_(.+?)_(mw|min_temperature_c)$")
_OUTPUT_ATTR = re.compile(r"^output_(.+?)_(mw|temperature_c)$")
_BACKUP_ATTR = re.compile(r"^backup_(.+?)_(max_share|delay_steps|cost_eur_per_mwh|co2_t_per_mwh|note)$")


class ParkFileError(ValueError):
    """A park file that cannot be read or written; the message names file, record and field."""


def _form_name(form: EnergyForm) -> str:
    return form.name.lower()


def _show(value: Any) -> str:
    """How a bad value appears in an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------------------
# validation core: records (plain mappings) -> Park
# --------------------------------------------------------------------------------------
@dataclass
class _Source:
    """Where records come from: the file label, and whether fields are flat columns."""

    file: str
    flat: bool = False  # CSV/GraphML: flat field names, numbers may arrive as strings

    def field(self, *path: str) -> str:
        if not self.flat:
            return ".".join(path)
        if len(path) == 3 and path[0] in ("demands", "outputs"):
            return f"{path[0][:-1]}_{path[1]}_{path[2]}"
        if len(path) == 2 and path[0] == "demands":
            return f"demand_{path[1]}_mw"
        if len(path) == 2 and path[0] == "outputs":
            return f"output_{path[1]}_mw"
        return path[-1]

    def error(self, record: str | None, field: str | None, problem: str) -> ParkFileError:
        parts = [self.file]
        if record:
            parts.append(record)
        if field:
            parts.append(field)
        parts.append(problem)
        return ParkFileError(": ".join(parts))


class _Record:
    """One firm / exchange / backup record being validated."""

    def __init__(self, src: _Source, label: str, data: Any, keys: tuple[str, ...], required: tuple[str, ...]) -> None:
        self.src = src
        self.label = label
        if not isinstance(data, Mapping):
            raise src.error(label, None, f"expected an object, got {_show(data)}")
        self.data: Mapping[str, Any] = data
        for k in data:
            if k not in keys:
                raise self.error(self.src.field(str(k)), f"unknown field; known: {', '.join(keys)}")
        for k in required:
            if k not in data or (self.src.flat and data[k] in (None, "")):
                raise self.error(k, "missing")

    def error(self, field: str | None, problem: str) -> ParkFileError:
        return self.src.error(self.label, field, problem)

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        if key not in self.data or self.data[key] is None:
            if required:
                raise self.error(key, "missing")
            return default
        v = self.data[key]
        if not isinstance(v, str):
            raise self.error(key, f"expected a string, got {_show(v)}")
        if required and not v.strip():
            raise self.error(key, "must not be empty")
        return v

    def shown(self, value: Any) -> str:
        """A value for a message: numbers read from text files appear as written."""
        if isinstance(value, str) and self.src.flat:
            try:
                float(value)
                return value.strip()
            except ValueError:
                pass
        return _show(value)

    def number(self, value: Any, field: str, what: str = "a number") -> float:
        raw = value
        if isinstance(value, str) and self.src.flat:
            try:
                value = float(value.strip())
            except ValueError:
                raise self.error(field, f"expected {what}, got {_show(value)}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(field, f"expected {what}, got {_show(value)}")
        x = float(value)
        if not math.isfinite(x):
            raise self.error(field, f"expected {what}, got {self.shown(raw)} (NaN and infinity are not allowed)")
        return x

    def positive(self, value: Any, field: str) -> float:
        x = self.number(value, field, "a positive number")
        if x <= 0:
            raise self.error(field, f"expected a positive number, got {self.shown(value)}")
        return x

    def nonnegative(self, value: Any, field: str) -> float:
        x = self.number(value, field, "a number >= 0")
        if x < 0:
            raise self.error(field, f"expected a number >= 0, got {self.shown(value)}")
        return x

    def temperature(self, value: Any, field: str) -> float:
        x = self.number(value, field, "a temperature in C")
        if x < _ABSOLUTE_ZERO_C:
            raise self.error(field, f"expected a temperature >= {_ABSOLUTE_ZERO_C} C, got {self.shown(value)}")
        return x

    def form(self, value: Any, field: str) -> EnergyForm:
        if not isinstance(value, str):
            raise self.error(field, f"expected an energy form name, got {_show(value)}; known: {EnergyForm.names()}")
        try:
            return EnergyForm.parse(value)
        except ValueError:
            raise self.error(field, f"unknown energy form {value!r}; known: {EnergyForm.names()}") from None


def _parse_flows(rec: _Record, key: str) -> dict[EnergyForm, Demand] | dict[EnergyForm, Output]:
    """``demands`` or ``outputs`` of a firm record."""
    src = rec.src
    raw = rec.data.get(key)
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise rec.error(key, f"expected an object mapping energy forms to MW, got {_show(raw)}")
    temp_key = "min_temperature_c" if key == "demands" else "temperature_c"
    result: dict[EnergyForm, Any] = {}
    for form_name, spec in raw.items():
        form = rec.form(form_name, src.field(key, str(form_name)))
        if form in result:
            raise rec.error(src.field(key, str(form_name)), f"{_form_name(form)} given twice")
        if isinstance(spec, Mapping):
            for k in spec:
                if k not in ("mw", temp_key):
                    raise rec.error(src.field(key, str(form_name), str(k)), f"unknown field; known: mw, {temp_key}")
            mw_field = src.field(key, str(form_name), "mw")
            if "mw" not in spec or (src.flat and spec["mw"] in (None, "")):
                raise rec.error(mw_field, "missing")
            mw = rec.positive(spec["mw"], mw_field)
            t_raw = spec.get(temp_key)
            t = 0.0 if t_raw is None or (src.flat and t_raw == "") else rec.temperature(t_raw, src.field(key, str(form_name), temp_key))
        else:
            mw = rec.positive(spec, src.field(key, str(form_name), "mw") if src.flat else src.field(key, str(form_name)))
            t = 0.0
        result[form] = Demand(mw, t) if key == "demands" else Output(mw, t)
    return result


def _usable_str(data: Any, key: str) -> str | None:
    v = data.get(key) if isinstance(data, Mapping) else None
    return v if isinstance(v, str) and v.strip() else None


def _parse_firm(src: _Source, label: str, data: Any) -> FirmSpec:
    fid = _usable_str(data, "id")
    rec = _Record(src, label if fid is None else f"{label} (id {fid!r})", data, _FIRM_KEYS, _FIRM_REQUIRED)
    firm_id = rec.text("id")
    name = rec.text("name")
    sector = rec.text("sector")
    if sector not in SECTORS:
        raise rec.error("sector", f"unknown sector {sector!r}; known: {', '.join(SECTORS)}")
    x = rec.number(data["x_km"], "x_km")
    y = rec.number(data["y_km"], "y_km")
    demands = _parse_flows(rec, "demands")
    outputs = _parse_flows(rec, "outputs")
    note = rec.text("note", required=False)
    return FirmSpec(firm_id, name, sector, x, y, dict(demands), dict(outputs), note)  # type: ignore[arg-type]


def _parse_exchange(src: _Source, label: str, data: Any, firms: Mapping[str, tuple[str, FirmSpec]]) -> Exchange:
    sup_s, con_s = _usable_str(data, "supplier"), _usable_str(data, "consumer")
    if sup_s is not None and con_s is not None:
        label = f"{label} ({sup_s}->{con_s})"
    rec = _Record(src, label, data, _EXCHANGE_KEYS, _EXCHANGE_REQUIRED)
    supplier = rec.text("supplier")
    consumer = rec.text("consumer")
    form = rec.form(data["form"], "form")
    mw = rec.positive(data["mw"], "mw")
    note = rec.text("note", required=False)
    for key, fid in (("supplier", supplier), ("consumer", consumer)):
        if fid not in firms:
            raise rec.error(key, f"unknown firm {fid!r}")
    if supplier == consumer:
        raise rec.error("consumer", "a firm cannot supply itself")
    sup = firms[supplier][1]
    if form not in sup.outputs:
        have = ", ".join(_form_name(f) for f in sup.outputs) or "none"
        raise rec.error("form", f"supplier {supplier!r} has no {_form_name(form)} output (its outputs: {have})")
    con = firms[consumer][1]
    if form not in con.demands:
        have = ", ".join(_form_name(f) for f in con.demands) or "none"
        raise rec.error("form", f"consumer {consumer!r} has no {_form_name(form)} demand (its demands: {have})")
    return Exchange(supplier, consumer, form, mw, note)


def _parse_backup(src: _Source, label: str, data: Any) -> BackupSpec:
    rec = _Record(src, label, data, _BACKUP_KEYS, _BACKUP_REQUIRED)
    form = rec.form(data["form"], "form")
    rec.label = f"{label} ({_form_name(form)})"
    share = rec.number(data["max_share"], "max_share", "a share between 0 and 1")
    if not 0.0 <= share <= 1.0:
        raise rec.error("max_share", f"expected a share between 0 and 1, got {rec.shown(data['max_share'])}")
    delay = rec.nonnegative(data["delay_steps"], "delay_steps")
    if not delay.is_integer():
        raise rec.error("delay_steps", f"expected a whole number of steps, got {rec.shown(data['delay_steps'])}")
    cost = rec.nonnegative(data["cost_eur_per_mwh"], "cost_eur_per_mwh")
    co2 = rec.nonnegative(data["co2_t_per_mwh"], "co2_t_per_mwh")
    note = rec.text("note", required=False)
    return BackupSpec(form, share, int(delay), cost, co2, note)


def _build_park(
    src: _Source,
    name: str,
    description: str,
    firm_records: list[tuple[str, Any]],
    exchange_records: list[tuple[str, Any]],
    backup_records: list[tuple[str, Any]] | None,
    firms_src: _Source | None = None,
    backups_src: _Source | None = None,
) -> Park:
    """Validate records and build the Park. ``firms_src`` labels firm records if they
    live in another file than exchanges (CSV)."""
    fsrc = firms_src or src
    if not firm_records:
        raise fsrc.error("firms", None, "the park has no firms")
    firms: dict[str, tuple[str, FirmSpec]] = {}
    for label, data in firm_records:
        f = _parse_firm(fsrc, label, data)
        if f.firm_id in firms:
            raise fsrc.error(f"{label} (id {f.firm_id!r})", "id", f"duplicate firm id (first used by {firms[f.firm_id][0]})")
        firms[f.firm_id] = (label, f)
    exchanges: list[Exchange] = []
    seen: dict[tuple[str, str, EnergyForm], str] = {}
    sold: dict[tuple[str, EnergyForm], list[tuple[str, float]]] = {}
    got: dict[tuple[str, EnergyForm], list[tuple[str, float]]] = {}
    for label, data in exchange_records:
        ex = _parse_exchange(src, label, data, firms)
        key = (ex.supplier, ex.consumer, ex.form)
        if key in seen:
            raise src.error(
                f"{label} ({ex.supplier}->{ex.consumer})", "form",
                f"duplicate {_form_name(ex.form)} exchange (same as {seen[key]})",
            )
        seen[key] = label
        exchanges.append(ex)
        sold.setdefault((ex.supplier, ex.form), []).append((label, ex.mw))
        got.setdefault((ex.consumer, ex.form), []).append((label, ex.mw))
    eps = 1e-9
    for (fid, form), items in sold.items():
        label, f = firms[fid]
        total = sum(mw for _, mw in items)
        cap = f.outputs[form].mw
        if total > cap + eps:
            raise fsrc.error(
                f"{label} (id {fid!r})", fsrc.field("outputs", _form_name(form), "mw"),
                f"sells {total:g} MW through {', '.join(l for l, _ in items)} but produces only {cap:g} MW",
            )
    for (fid, form), items in got.items():
        label, f = firms[fid]
        total = sum(mw for _, mw in items)
        need = f.demands[form].mw
        if total > need + eps:
            raise fsrc.error(
                f"{label} (id {fid!r})", fsrc.field("demands", _form_name(form), "mw"),
                f"receives {total:g} MW through {', '.join(l for l, _ in items)} but needs only {need:g} MW",
            )
    backups: dict[EnergyForm, BackupSpec] | None = None
    bsrc = backups_src or src
    if backup_records is not None:
        backups = default_backups()
        given: dict[EnergyForm, str] = {}
        for label, data in backup_records:
            b = _parse_backup(bsrc, label, data)
            if b.form in given:
                raise bsrc.error(f"{label} ({_form_name(b.form)})", "form", f"backup for {_form_name(b.form)} given twice (also {given[b.form]})")
            given[b.form] = label
            backups[b.form] = b
    try:
        return Park(name, [f for _, f in firms.values()], exchanges, backups, description)
    except ValueError as e:  # anything Park checks that we did not
        raise src.error(None, None, str(e)) from e


# --------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------
def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r} in a JSON object")
        out[k] = v
    return out


def park_from_dict(data: Any, source: str = "<dict>") -> Park:
    """Validate a ``bois-park/1`` document (already parsed JSON) and build the Park."""
    src = _Source(source)
    if not isinstance(data, Mapping):
        raise src.error(None, None, f"expected a JSON object at the top level, got {_show(data)}")
    for k in data:
        if k not in _TOP_KEYS:
            raise src.error(None, str(k), f"unknown field; known: {', '.join(_TOP_KEYS)}")
    if "format" not in data:
        raise src.error(None, "format", f"missing (expected {FORMAT_TAG!r})")
    if data["format"] != FORMAT_TAG:
        raise src.error(None, "format", f"unsupported format {_show(data['format'])}; expected {FORMAT_TAG!r}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise src.error(None, "name", "missing" if name is None else f"expected a non-empty string, got {_show(name)}")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise src.error(None, "description", f"expected a string, got {_show(description)}")
    lists: dict[str, list[Any]] = {}
    for key in ("firms", "exchanges", "backups"):
        if key not in data:
            if key == "firms" or key == "exchanges":
                raise src.error(None, key, "missing (use [] for none)" if key == "exchanges" else "missing")
            continue
        v = data[key]
        if not isinstance(v, list):
            raise src.error(None, key, f"expected a list, got {_show(v)}")
        lists[key] = v
    firm_records = [(f"firms[{i}]", r) for i, r in enumerate(lists["firms"])]
    ex_records = [(f"exchanges[{i}]", r) for i, r in enumerate(lists["exchanges"])]
    backup_records = [(f"backups[{i}]", r) for i, r in enumerate(lists["backups"])] if "backups" in lists else None
    return _build_park(src, name, description, firm_records, ex_records, backup_records)


def park_to_dict(park: Park) -> dict[str, Any]:
    """The ``bois-park/1`` document of a Park (firms in park order, exchanges in graph order)."""
    firms = []
    for f in park.firms.values():
        firms.append(
            {
                "id": f.firm_id,
                "name": f.name,
                "sector": f.sector,
                "x_km": f.x_km,
                "y_km": f.y_km,
                "demands": {_form_name(k): {"mw": d.mw, "min_temperature_c": d.min_temperature_c} for k, d in f.demands.items()},
                "outputs": {_form_name(k): {"mw": o.mw, "temperature_c": o.temperature_c} for k, o in f.outputs.items()},
                "note": f.note,
            }
        )
    exchanges = [
        {"supplier": e.supplier, "consumer": e.consumer, "form": _form_name(e.form), "mw": e.mw, "note": e.note}
        for e in park.exchanges()
    ]
    backups = [
        {
            "form": _form_name(b.form),
            "max_share": b.max_share,
            "delay_steps": b.delay_steps,
            "cost_eur_per_mwh": b.cost_eur_per_mwh,
            "co2_t_per_mwh": b.co2_t_per_mwh,
            "note": b.note,
        }
        for b in sorted(park.backups.values(), key=lambda b: int(b.form))
    ]
    return {
        "format": FORMAT_TAG,
        "name": park.name,
        "description": park.description,
        "firms": firms,
        "exchanges": exchanges,
        "backups": backups,
    }


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ParkFileError(f"{path.name}: file not found ({path})") from None
    except UnicodeDecodeError as e:
        raise ParkFileError(f"{path.name}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise ParkFileError(f"{path.name}: cannot read: {e.strerror or e}") from None


def _load_json(path: Path) -> Park:
    text = _read_text(path)
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as e:
        raise ParkFileError(f"{path.name}: line {e.lineno}, column {e.colno}: malformed JSON: {e.msg}") from None
    except ValueError as e:  # duplicate key
        raise ParkFileError(f"{path.name}: {e}") from None
    return park_from_dict(data, path.name)


def dumps_json(park: Park) -> str:
    return json.dumps(park_to_dict(park), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# --------------------------------------------------------------------------------------
# GraphML
# --------------------------------------------------------------------------------------
def park_to_graphml_graph(park: Park) -> nx.MultiDiGraph:
    """A plain-attribute MultiDiGraph of the park, as written to GraphML."""
    g = nx.MultiDiGraph()
    g.graph["format"] = FORMAT_TAG
    g.graph["name"] = park.name
    g.graph["description"] = park.description
    for b in park.backups.values():
        p = f"backup_{_form_name(b.form)}_"
        g.graph[p + "max_share"] = float(b.max_share)
        g.graph[p + "delay_steps"] = int(b.delay_steps)
        g.graph[p + "cost_eur_per_mwh"] = float(b.cost_eur_per_mwh)
        g.graph[p + "co2_t_per_mwh"] = float(b.co2_t_per_mwh)
        g.graph[p + "note"] = b.note
    for f in park.firms.values():
        attrs: dict[str, Any] = {"name": f.name, "sector": f.sector, "x_km": float(f.x_km), "y_km": float(f.y_km), "note": f.note}
        for form, d in f.demands.items():
            attrs[f"demand_{_form_name(form)}_mw"] = float(d.mw)
            attrs[f"demand_{_form_name(form)}_min_temperature_c"] = float(d.min_temperature_c)
        for form, o in f.outputs.items():
            attrs[f"output_{_form_name(form)}_mw"] = float(o.mw)
            attrs[f"output_{_form_name(form)}_temperature_c"] = float(o.temperature_c)
        g.add_node(f.firm_id, **attrs)
    for e in park.exchanges():
        g.add_edge(e.supplier, e.consumer, key=_form_name(e.form), form=_form_name(e.form), mw=float(e.mw), note=e.note)
    return g


def _flat_firm(src: _Source, label: str, firm_id: Any, attrs: Mapping[str, Any], what: str) -> dict[str, Any]:
    """Flat attributes/columns of one firm -> a nested firm record (values unchecked)."""
    rec: dict[str, Any] = {"id": firm_id}
    demands: dict[str, dict[str, Any]] = {}
    outputs: dict[str, dict[str, Any]] = {}
    for k, v in attrs.items():
        if v is None or v == "":
            continue
        if k in ("name", "sector", "x_km", "y_km", "note"):
            rec[k] = v
            continue
        m = _DEMAND_ATTR.match(k)
        if m:
            demands.setdefault(m.group(1), {})[m.group(2)] = v
            continue
        m = _OUTPUT_ATTR.match(k)
        if m:
            outputs.setdefault(m.group(1), {})[m.group(2)] = v
            continue
        raise src.error(f"{label} (id {firm_id!r})", k, f"unknown {what}; expected name, sector, x_km, y_km, note, "
                        "demand_<form>_mw, demand_<form>_min_temperature_c, output_<form>_mw, output_<form>_temperature_c")
    if demands:
        rec["demands"] = demands
    if outputs:
        rec["outputs"] = outputs
    return rec


def _flat_backups(src: _Source, attrs: Mapping[str, Any], record: str) -> list[tuple[str, Any]] | None:
    groups: dict[str, dict[str, Any]] = {}
    for k, v in attrs.items():
        m = _BACKUP_ATTR.match(k)
        if m:
            groups.setdefault(m.group(1), {"form": m.group(1)})[m.group(2)] = v
    if not groups:
        return None
    return [(f"{record} backup_{name}", g) for name, g in groups.items()]


def _load_graphml(path: Path) -> Park:
    if not path.exists():
        raise ParkFileError(f"{path.name}: file not found ({path})")
    try:
        g = nx.read_graphml(path, node_type=str, edge_key_type=str, force_multigraph=True)
    except ET.ParseError as e:
        line, col = e.position
        raise ParkFileError(f"{path.name}: line {line}, column {col}: malformed GraphML (XML): {e}") from None
    except (nx.NetworkXError, ValueError, KeyError, TypeError) as e:
        raise ParkFileError(f"{path.name}: not a valid GraphML park: {e}") from None
    src = _Source(path.name, flat=True)
    if not g.is_directed():
        raise src.error("graph", None, "edges must be directed (supplier -> consumer)")
    fmt = g.graph.get("format")
    if fmt is not None and fmt != FORMAT_TAG:
        raise src.error("graph", "format", f"unsupported format {_show(fmt)}; expected {FORMAT_TAG!r}")
    for k in g.graph:
        if k not in ("format", "name", "description", "node_default", "edge_default") and not _BACKUP_ATTR.match(k):
            raise src.error("graph", k, "unknown graph attribute; expected format, name, description, backup_<form>_<field>")
    name = g.graph.get("name") or path.stem
    description = g.graph.get("description", "")
    firm_records = []
    for i, (nid, attrs) in enumerate(g.nodes(data=True)):
        label = f"nodes[{i}]"
        firm_records.append((label, _flat_firm(src, label, nid, attrs, "node attribute")))
    ex_records = []
    for i, (u, v, k, attrs) in enumerate(g.edges(keys=True, data=True)):
        rec = {"supplier": u, "consumer": v}
        rec.update({a: b for a, b in attrs.items() if b is not None and b != ""})
        if "form" not in rec:
            rec["form"] = k
        ex_records.append((f"edges[{i}]", rec))
    backups = _flat_backups(src, g.graph, "graph")
    return _build_park(src, str(name), str(description), firm_records, ex_records, backups)


def dumps_graphml(park: Park) -> str:
    return "\n".join(nx.generate_graphml(park_to_graphml_graph(park))) + "\n"


# --------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------
def _read_csv(path: Path, required: tuple[str, ...], allowed: Callable[[str], bool] | None = None) -> list[tuple[str, dict[str, str]]]:
    """Rows of a CSV file as (label 'line N', row); checks the header."""
    text = _read_text(path)
    src = _Source(path.name, flat=True)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        raise src.error(None, None, f"malformed CSV: {e}") from None
    if not rows or not any(c.strip() for c in rows[0]):
        raise src.error("line 1", None, "empty file: expected a header row")
    header = [c.strip() for c in rows[0]]
    for col in required:
        if col not in header:
            raise src.error("header", col, f"missing column (required: {', '.join(required)})")
    for col in header:
        if not col:
            raise src.error("header", None, "empty column name")
        if allowed is not None and not allowed(col):
            raise src.error("header", col, "unknown column")
    if len(set(header)) != len(header):
        dup = next(c for c in header if header.count(c) > 1)
        raise src.error("header", dup, "column given twice")
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue  # blank line
        if len(row) > len(header):
            raise src.error(f"line {n}", None, f"{len(row)} values but the header has {len(header)} columns")
        values = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
        out.append((f"line {n}", values))
    return out


def _firm_column(col: str) -> bool:
    return col in ("id", "name", "sector", "x_km", "y_km", "note") or bool(_DEMAND_ATTR.match(col) or _OUTPUT_ATTR.match(col))


def _load_csv(folder: Path) -> Park:
    firms_path, ex_path = folder / FIRMS_CSV, folder / EXCHANGES_CSV
    for p in (firms_path, ex_path):
        if not p.is_file():
            raise ParkFileError(f"{p.name}: file not found in {folder} (a CSV park needs {FIRMS_CSV} and {EXCHANGES_CSV})")
    fsrc = _Source(FIRMS_CSV, flat=True)
    firm_rows = _read_csv(firms_path, _FIRM_REQUIRED, _firm_column)
    firm_records = [(label, _flat_firm(fsrc, label, row.get("id", ""), {k: v for k, v in row.items() if k != "id"}, "column"))
                    for label, row in firm_rows]
    esrc = _Source(EXCHANGES_CSV, flat=True)
    ex_rows = _read_csv(ex_path, _EXCHANGE_REQUIRED, lambda c: c in _EXCHANGE_KEYS)
    ex_records = [(label, {k: v for k, v in row.items() if v != "" or k in _EXCHANGE_REQUIRED}) for label, row in ex_rows]
    name, description = folder.resolve().name, ""
    park_path = folder / PARK_CSV
    if park_path.is_file():
        prow = _read_csv(park_path, ("name",), lambda c: c in ("name", "description"))
        if len(prow) != 1:
            raise _Source(PARK_CSV).error(None, None, f"expected exactly one row, got {len(prow)}")
        name = prow[0][1]["name"] or name
        description = prow[0][1].get("description", "")
    backup_records: list[tuple[str, Any]] | None = None
    backups_path = folder / BACKUPS_CSV
    if backups_path.is_file():
        brows = _read_csv(backups_path, _BACKUP_REQUIRED, lambda c: c in _BACKUP_KEYS)
        backup_records = [(label, {k: v for k, v in row.items() if v != "" or k in _BACKUP_REQUIRED}) for label, row in brows]
    return _build_park(esrc, name, description, firm_records, ex_records, backup_records,
                       firms_src=fsrc, backups_src=_Source(BACKUPS_CSV, flat=True))


def _csv_text(header: list[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else (repr(v) if isinstance(v, float) else v) for v in r])
    return buf.getvalue()


def csv_texts(park: Park) -> dict[str, str]:
    """The CSV files of a park: file name -> text."""
    demand_forms = sorted({f for x in park.firms.values() for f in x.demands}, key=int)
    output_forms = sorted({f for x in park.firms.values() for f in x.outputs}, key=int)
    header = ["id", "name", "sector", "x_km", "y_km", "note"]
    for form in demand_forms:
        header += [f"demand_{_form_name(form)}_mw", f"demand_{_form_name(form)}_min_temperature_c"]
    for form in output_forms:
        header += [f"output_{_form_name(form)}_mw", f"output_{_form_name(form)}_temperature_c"]
    rows = []
    for f in park.firms.values():
        row: list[Any] = [f.firm_id, f.name, f.sector, float(f.x_km), float(f.y_km), f.note]
        for form in demand_forms:
            d = f.demands.get(form)
            row += [None, None] if d is None else [float(d.mw), float(d.min_temperature_c)]
        for form in output_forms:
            o = f.outputs.get(form)
            row += [None, None] if o is None else [float(o.mw), float(o.temperature_c)]
        rows.append(row)
    ex_rows: list[list[Any]] = [[e.supplier, e.consumer, _form_name(e.form), float(e.mw), e.note] for e in park.exchanges()]
    b_rows: list[list[Any]] = [
        [_form_name(b.form), float(b.max_share), int(b.delay_steps), float(b.cost_eur_per_mwh), float(b.co2_t_per_mwh), b.note]
        for b in sorted(park.backups.values(), key=lambda b: int(b.form))
    ]
    return {
        FIRMS_CSV: _csv_text(header, rows),
        EXCHANGES_CSV: _csv_text(list(_EXCHANGE_KEYS), ex_rows),
        PARK_CSV: _csv_text(["name", "description"], [[park.name, park.description]]),
        BACKUPS_CSV: _csv_text(list(_BACKUP_KEYS), b_rows),
    }


# --------------------------------------------------------------------------------------
# public entry points
# --------------------------------------------------------------------------------------
def _atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same folder and os.replace."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".graphml", ".xml"):
        return "graphml"
    if path.name == FIRMS_CSV or path.is_dir() or suffix == "":
        return "csv"
    raise ParkFileError(f"{path.name}: unknown park file type {suffix!r}; use .json, .graphml, or a folder with {FIRMS_CSV}")


def load_park(path: str | os.PathLike[str]) -> Park:
    """Read a park: ``.json``, ``.graphml``, or a folder (or its ``firms.csv``) of CSV files."""
    p = Path(path)
    kind = _kind(p)
    if kind == "json":
        return _load_json(p)
    if kind == "graphml":
        return _load_graphml(p)
    folder = p.parent if p.name == FIRMS_CSV else p
    if not folder.is_dir():
        raise ParkFileError(f"{p.name}: no such folder ({p})")
    return _load_csv(folder)


def save_park(park: Park, path: str | os.PathLike[str]) -> None:
    """Write a park: JSON for ``.json``, GraphML for ``.graphml``, CSV files for a folder
    (or a path ending in ``firms.csv``). Each file is replaced atomically."""
    p = Path(path)
    kind = _kind(p)
    if kind == "json":
        _atomic_write(p, dumps_json(park))
    elif kind == "graphml":
        _atomic_write(p, dumps_graphml(park))
    else:
        folder = p.parent if p.name == FIRMS_CSV else p
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in csv_texts(park).items():
            _atomic_write(folder / name, text)
