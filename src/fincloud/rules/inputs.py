"""Reading profiles from files: one profile (JSON or YAML) or a batch (JSON Lines or CSV).

Plain Python; PyYAML is imported only when a YAML file is actually read.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from fincloud.rules.determination import Lang
from fincloud.rules.profile import ALLOWED_KEYS, OPTIONAL_KEYS, REQUIRED_KEYS, ProfileError

if TYPE_CHECKING:
    import yaml


class InputError(ValueError):
    """A file cannot be read as profiles; `where` names the place (line, column)."""

    def __init__(self, where: str, rule_en: str, rule_zh: str) -> None:
        super().__init__(f"{where}: {rule_en}")
        self.where = where
        self.rule_en = rule_en
        self.rule_zh = rule_zh

    def message(self, lang: Lang = "zh-TW") -> str:
        if lang == "zh-TW":
            return f"{self.where}：{self.rule_zh}"
        return f"{self.where}: {self.rule_en}"


_yaml_loader: type[yaml.SafeLoader] | None = None


def _loader() -> type[yaml.SafeLoader]:
    """A safe loader with YAML 1.2 booleans: `NO` (Norway) stays a string, only true/false are
    booleans."""
    global _yaml_loader  # noqa: PLW0603 - built once, on first use, to keep start-up light
    if _yaml_loader is None:
        import yaml

        class Loader(yaml.SafeLoader):
            pass

        bool_tag = "tag:yaml.org,2002:bool"
        Loader.yaml_implicit_resolvers = {
            first: [(tag, rx) for tag, rx in resolvers if tag != bool_tag]
            for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }
        Loader.add_implicit_resolver(
            bool_tag, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
        )
        _yaml_loader = Loader
    return _yaml_loader


def load_profile_text(text: str, name: str, *, yaml_ok: bool = True) -> object:
    """Parse one profile document. JSON when it looks like JSON (or the file says .json),
    otherwise YAML. Raises InputError with line and column."""
    stripped = text.lstrip()
    if not yaml_ok or stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{name} line {exc.lineno}, column {exc.colno}",
                f"invalid JSON: {exc.msg}",
                f"JSON 格式錯誤：{exc.msg}",
            ) from None
        except RecursionError:
            raise InputError(name, "nested too deeply", "巢狀層數過深") from None
    import yaml

    try:
        return yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = name if mark is None else f"{name} line {mark.line + 1}, column {mark.column + 1}"
        problem = exc.problem or "malformed"
        raise InputError(where, f"invalid YAML: {problem}", f"YAML 格式錯誤：{problem}") from None
    except yaml.YAMLError as exc:
        problem = str(exc).replace("\n", " ")
        raise InputError(name, f"invalid YAML: {problem}", f"YAML 格式錯誤：{problem}") from None
    except RecursionError:
        raise InputError(name, "nested too deeply", "巢狀層數過深") from None


# -- batches ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One line of a batch: the parsed mapping, or the error that line has."""

    line: int
    data: dict[str, Any] | None
    error: ProfileError | InputError | None


def read_jsonl(lines: Iterable[str]) -> Iterator[BatchItem]:
    """JSON Lines: one profile object a line; blank lines are skipped (but counted)."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BatchItem(
                number,
                None,
                InputError(
                    f"line {number}, column {exc.colno}",
                    f"invalid JSON: {exc.msg}",
                    f"JSON 格式錯誤：{exc.msg}",
                ),
            )
            continue
        except RecursionError:
            yield BatchItem(
                number, None, InputError(f"line {number}", "nested too deeply", "巢狀層數過深")
            )
            continue
        yield BatchItem(number, data, None)


_BOOL_COLUMNS: Final = frozenset(
    {
        "license_business_or_customer_data",
        "csp_processes_or_stores_data",
        "consumer_finance_system",
        "material",
    }
)
_LIST_SPLIT: Final = re.compile(r"[;,\s]+")


def _csv_value(column: str, raw: str, number: int) -> object:
    if column in _BOOL_COLUMNS:
        lowered = raw.strip().lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
        raise ProfileError(
            f"line {number}, column {column}",
            f"must be true or false, got {raw!r}",
            f"須為 true 或 false，收到 {raw!r}",
        )
    if column == "locations":
        return [code for code in _LIST_SPLIT.split(raw.strip()) if code]
    if column == "materiality_factors":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ProfileError(
                f"line {number}, column {column}",
                f"must be a JSON object of the factors a-g: {exc.msg} at character {exc.pos + 1}",
                f"須為因素 a–g 之 JSON 物件：{exc.msg}（第 {exc.pos + 1} 字元）",
            ) from None
    return raw.strip()


def read_csv(lines: Iterable[str]) -> Iterator[BatchItem]:
    """CSV with a header of profile keys. Booleans are true/false; locations are codes separated
    by ';', ',' or spaces; materiality_factors, if given, a JSON object; an empty cell of an
    optional column means the default. A header without the required columns, or with an
    unknown column, is refused as a whole (InputError on line 1)."""
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(
            "line 1", "empty CSV: a header row is required", "CSV 為空：須有標題列"
        ) from None
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in ALLOWED_KEYS]
    if unknown:
        raise InputError(
            f"line 1, column {unknown[0]!r}",
            f"unknown column: allowed columns are {', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)}",
            f"未知的欄位：可用欄位為 {', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)}",
        )
    missing = [k for k in REQUIRED_KEYS if k not in header]
    if missing:
        raise InputError(
            "line 1",
            f"the CSV lacks the required column(s) {', '.join(missing)}",
            f"CSV 缺少必要欄位 {', '.join(missing)}",
        )
    width = len(header)
    for row in reader:
        number = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != width:
            yield BatchItem(
                number,
                None,
                InputError(
                    f"line {number}",
                    f"has {len(row)} cells, the header has {width}",
                    f"有 {len(row)} 個欄位，標題列有 {width} 個",
                ),
            )
            continue
        data: dict[str, Any] = {}
        try:
            for column, raw in zip(header, row, strict=True):
                if raw.strip() == "" and column in OPTIONAL_KEYS:
                    continue
                data[column] = _csv_value(column, raw, number)
        except ProfileError as exc:
            yield BatchItem(number, None, exc)
            continue
        yield BatchItem(number, data, None)
