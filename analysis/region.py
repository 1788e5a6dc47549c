"""Find the provinces, cities and counties a Chinese text is about, and test them against the local area.

The division table `analysis/data/regions.tsv` (province, prefecture and county level, with adcodes and the
usual short names) is built from the `china_location` dictionary shipped in the jionlp package (Apache-2.0)
by `python -m analysis.region --build <jionlp wheel or china_location.zip>`; nothing is typed by hand and
nothing is fetched at run time.

Matching is one Aho–Corasick pass (pyahocorasick; a pure-Python scan when it is missing) with
leftmost-longest selection, then rules for ambiguity:
- full names ("莒南县", "朝阳区", "临沂市") always count; short names of provinces and prefectures count too,
  except a few that are also everyday words ("大理石", "开封", "中山装"), which need their province nearby;
- short names of counties ("莒南", "温岭") count only when their city or province is also mentioned;
- a short name running into a street or time word ("南京路", "北京时间") is not a place;
- a name shared by several divisions ("朝阳区": Beijing and Changchun; "朝阳": the city in Liaoning) is
  resolved by the other places the text names; without such context a province beats a prefecture beats a
  county, and among equals a municipality beats a provincial capital; still tied, it is dropped.
Counties are resolved to their city and province.
"""

from __future__ import annotations

import argparse
import functools
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

TABLE_PATH = Path(__file__).resolve().parent / "data" / "regions.tsv"

PROVINCE, CITY, COUNTY = 0, 1, 2
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})

# A short name followed by one of these is a street, a time zone, a dish or a company, not the place.
_STREET_SUFFIXES = tuple("路 街 大街 大道 巷 胡同 时间 石 装 陵 公园 大学 医院 治".split())
# Short prefecture names that are also ordinary words or famous non-place uses; they count only with their
# province in the text (or in full form: "开封市").
_AMBIGUOUS_ALIASES = frozenset(
    "开封 大同 长治 中山 大理 白银 安康 和田 阿里 玉树 普洱 四平 大庆 吉安 白山 三明 承德 海东 海西 海北 黄南 文山 "
    "红河 通化 清远".split()
)
# Full names too generic to stand alone ("城区" in 阳泉 and 晋城, "矿区", "郊区").
_GENERIC_NAMES = frozenset({"城区", "郊区", "矿区", "市辖区", "新区", "高新区", "经开区", "开发区", "省直辖"})


@dataclass(frozen=True)
class Region:
    province: str | None
    city: str | None
    county: str | None
    adcode: str

    @property
    def level(self) -> str:
        return "county" if self.county else "city" if self.city else "province"

    @property
    def name(self) -> str:
        parts = [self.province, self.city if self.city != self.province else None, self.county]
        return "".join(p for p in parts if p)


@dataclass(frozen=True)
class _Entry:
    adcode: str
    level: int
    name: str
    parent: str  # adcode of the parent division, "" for provinces


@dataclass
class _Table:
    entries: dict[str, _Entry]  # adcode -> entry
    keys: dict[str, list[tuple[str, bool]]]  # surface string -> [(adcode, is_full_name)]
    max_len: int
    automaton: object | None
    # (short name, adcode) pairs where the short name is also an everyday word
    common_aliases: frozenset[tuple[str, str]]


# ---------------------------------------------------------------------------------------- table load


@functools.lru_cache(maxsize=2)
def _table(path: str = str(TABLE_PATH)) -> _Table:
    entries: dict[str, _Entry] = {}
    aliases: dict[str, list[str]] = {}
    common_aliases: set[tuple[str, str]] = set()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        adcode, level, name, alias, parent, common = line.split("\t")
        entries[adcode] = _Entry(adcode, int(level), name, parent)
        aliases[adcode] = [a for a in alias.split("/") if a]
        if common:
            common_aliases.update((alias_, adcode) for alias_ in aliases[adcode])
    keys: dict[str, list[tuple[str, bool]]] = {}
    for adcode, entry in entries.items():
        if entry.name not in _GENERIC_NAMES:
            keys.setdefault(entry.name, []).append((adcode, True))
        for alias in aliases[adcode]:
            if alias in _AMBIGUOUS_ALIASES:
                common_aliases.add((alias, adcode))
            if len(alias) >= 2 and alias != entry.name and alias not in _GENERIC_NAMES:
                keys.setdefault(alias, []).append((adcode, False))
    automaton = None
    try:
        import ahocorasick

        automaton = ahocorasick.Automaton()
        for key in keys:
            automaton.add_word(key, key)
        automaton.make_automaton()
    except ImportError:  # pragma: no cover - exercised through _scan_python in tests
        logger.warning("pyahocorasick not installed; region matching falls back to a slower scan")
    logger.debug("loaded %d divisions, %d names from %s", len(entries), len(keys), path)
    return _Table(entries, keys, max(map(len, keys)), automaton, frozenset(common_aliases))


def _scan_automaton(table: _Table, text: str) -> list[tuple[int, str]]:
    return [(end - len(key) + 1, key) for end, key in table.automaton.iter(text)]  # type: ignore[attr-defined]


def _scan_python(table: _Table, text: str) -> list[tuple[int, str]]:
    found = []
    for i in range(len(text)):
        for n in range(2, min(table.max_len, len(text) - i) + 1):
            if text[i : i + n] in table.keys:
                found.append((i, text[i : i + n]))
    return found


def _leftmost_longest(hits: list[tuple[int, str]]) -> list[tuple[int, str]]:
    chosen: list[tuple[int, str]] = []
    end = 0
    for start, key in sorted(hits, key=lambda h: (h[0], -len(h[1]))):
        if start >= end:
            chosen.append((start, key))
            end = start + len(key)
    return chosen


# ------------------------------------------------------------------------------------------ resolution


def _ancestors(table: _Table, adcode: str) -> list[str]:
    out = []
    entry = table.entries.get(adcode)
    while entry is not None and entry.parent:
        out.append(entry.parent)
        entry = table.entries.get(entry.parent)
    return out


def _priority(table: _Table, adcode: str) -> tuple[int, int]:
    """Tie-break without context: higher level first, then municipalities, then provincial capitals."""
    entry = table.entries[adcode]
    if adcode[:2] in _MUNICIPALITIES:
        rank = 0
    elif adcode[2:4] == "01":
        rank = 1
    else:
        rank = 2
    return entry.level, rank


def _region(table: _Table, adcode: str) -> Region:
    entry = table.entries[adcode]
    chain = [entry] + [table.entries[a] for a in _ancestors(table, adcode) if a in table.entries]
    names = {e.level: e.name for e in chain}
    province = names.get(PROVINCE)
    city = names.get(CITY)
    if city is None and entry.level >= CITY and adcode[:2] in _MUNICIPALITIES:
        city = province
    return Region(province=province, city=city, county=names.get(COUNTY), adcode=adcode)


def _mentions(
    text: str, *, use_automaton: bool = True, table_path: str = str(TABLE_PATH)
) -> list[tuple[int, str]]:
    """(position, adcode) for every accepted place mention, in text order."""
    return [(start, code) for start, _, code in _mention_spans(text, use_automaton, table_path)]


def _mention_spans(
    text: str, use_automaton: bool = True, table_path: str = str(TABLE_PATH)
) -> list[tuple[int, int, str]]:
    """(start, end, adcode) for every accepted place mention, in text order."""
    if not text:
        return []
    table = _table(table_path)
    if use_automaton and table.automaton is not None:
        hits = _scan_automaton(table, text)
    else:
        hits = _scan_python(table, text)
    matches = []
    for start, key in _leftmost_longest(hits):
        end = start + len(key)
        cands = table.keys[key]
        full = any(is_full for _, is_full in cands)
        if full and key.endswith("市") and text.startswith("场", end):  # "北京市场" is 北京 + 市场
            short = key[:-1]
            if short not in table.keys:
                continue
            key, cands, full, end = short, table.keys[short], False, end - 1
        if not full and text.startswith(_STREET_SUFFIXES, end):
            continue
        matches.append((start, key, cands))

    # Context: divisions (and their ancestors) named by a full name or a province/prefecture short name that
    # is not an everyday word, with the index of the mention that named them.
    context: dict[str, set[int]] = {}
    for i, (_, key, cands) in enumerate(matches):
        for adcode, is_full in cands:
            entry = table.entries[adcode]
            if is_full or (entry.level < COUNTY and (key, adcode) not in table.common_aliases):
                for code in (adcode, *_ancestors(table, adcode)):
                    context.setdefault(code, set()).add(i)

    accepted: list[tuple[int, str]] = []
    for i, (start, key, cands) in enumerate(matches):
        viable = []
        for adcode, is_full in cands:
            entry = table.entries[adcode]
            ancestors = _ancestors(table, adcode)
            supporters = [context.get(a, set()) - {i} for a in ancestors]
            supported = any(supporters)
            # A county short name that is also an everyday word ("古城", "和平") needs its city, not just
            # its province; other county short names need either.
            if not is_full and entry.level == COUNTY:
                if (key, adcode) in table.common_aliases:
                    supported = bool(ancestors) and bool(context.get(ancestors[0], set()) - {i})
                if not supported:
                    continue
            if not is_full and (key, adcode) in table.common_aliases and not supported:
                continue
            viable.append((adcode, supported))
        if not viable:
            continue
        if len(viable) > 1:
            supported_only = [v for v in viable if v[1]]
            if supported_only:
                viable = supported_only
        if len(viable) > 1:
            ranked = sorted(viable, key=lambda v: _priority(table, v[0]))
            if _priority(table, ranked[0][0]) == _priority(table, ranked[1][0]):
                continue  # still ambiguous: better no region than a wrong one
            viable = ranked[:1]
        accepted.append((start, start + len(key), viable[0][0]))
    return accepted


def _collapse(table: _Table, mentions: list[tuple[int, str]]) -> list[tuple[str, int, int]]:
    """(adcode, first position, mention count) of the most specific regions, ancestors folded in."""
    first: dict[str, int] = {}
    count: dict[str, int] = {}
    for pos, adcode in mentions:
        first.setdefault(adcode, pos)
        count[adcode] = count.get(adcode, 0) + 1
    covered: dict[str, str] = {}  # ancestor -> descendant that absorbs it
    for adcode in first:
        for anc in _ancestors(table, adcode):
            covered.setdefault(anc, adcode)
    out = []
    for adcode in first:
        if adcode in covered:
            continue
        total = count[adcode] + sum(
            count.get(a, 0) for a in _ancestors(table, adcode) if covered.get(a) == adcode
        )
        pos = min([first[adcode]] + [first[a] for a in _ancestors(table, adcode) if a in first])
        out.append((adcode, pos, total))
    out.sort(key=lambda item: item[1])
    return out


def mention_codes(text: str) -> list[tuple[int, str]]:
    """(position, adcode) of every accepted place mention in `text`, in text order."""
    return _mentions(text)


def mention_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, adcode) of every accepted place mention in `text`, in text order."""
    return _mention_spans(text)


def most_specific(mentions: list[tuple[int, str]]) -> list[str]:
    """Adcodes of the most specific regions among `mentions` (see mention_codes), ancestors folded in,
    in order of first mention."""
    return [adcode for adcode, _, _ in _collapse(_table(), mentions)]


def extract_regions(text: str) -> list[Region]:
    """Distinct regions named in `text`, most specific first-level only (a county absorbs its city and
    province), in order of first mention."""
    table = _table()
    return [_region(table, adcode) for adcode, _, _ in _collapse(table, _mentions(text))]


def primary_region(title: str, text: str) -> Region | None:
    """The region the document is mainly about: title mentions weigh three times body mentions."""
    table = _table()
    title = title or ""
    joined = f"{title}\n{text or ''}"
    mentions = _mentions(joined)
    if not mentions:
        return None
    weights: dict[str, float] = {}
    collapsed = _collapse(table, mentions)
    for adcode, _, _ in collapsed:
        lineage = {adcode, *_ancestors(table, adcode)}
        weights[adcode] = sum(3.0 if pos < len(title) else 1.0 for pos, a in mentions if a in lineage)
    best = max(collapsed, key=lambda item: (weights[item[0]], -item[1]))
    return _region(table, best[0])


def adcode_prefix(code: str) -> str:
    """An adcode without its trailing zero pairs ("37" for 山东省, "3713" for 临沂市, "371327" for 莒南县):
    a region lies within another exactly when its prefix starts with the other's."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


@functools.lru_cache(maxsize=256)
def _configured_code(configured: str) -> str | None:
    """Adcode prefix for a configured local area: "371327", "莒南县", "山东省临沂市莒南县", "临沂"."""
    value = configured.strip()
    if re.fullmatch(r"\d{6}", value):
        code = value
    else:
        regions = extract_regions(value)
        if not regions:
            logger.warning("local area %r names no known region", configured)
            return None
        code = regions[-1].adcode
    return adcode_prefix(code)


def matches_local(region: Region | None, configured: str) -> bool:
    """True when `region` lies within the configured local area (same division or inside it)."""
    if region is None or not configured:
        return False
    prefix = _configured_code(configured)
    return prefix is not None and region.adcode.startswith(prefix)


# ------------------------------------------------------------------------------------- table building


def _read_location_text(source: Path) -> str:
    """china_location.txt from a jionlp wheel, its china_location.zip, or the extracted text file."""
    if source.suffix == ".txt":
        return source.read_text(encoding="utf-8")
    with zipfile.ZipFile(source) as zf:
        names = zf.namelist()
        inner = next((n for n in names if n.endswith("china_location.zip")), None)
        if inner is not None:
            with zipfile.ZipFile(io.BytesIO(zf.read(inner))) as inner_zf:
                return inner_zf.read("china_location.txt").decode("utf-8")
        return zf.read(next(n for n in names if n.endswith("china_location.txt"))).decode("utf-8")


def _jieba_words() -> dict[str, tuple[int, str]]:
    """Word -> (frequency, part of speech) from jieba's bundled dictionary (build time only)."""
    import jieba

    words: dict[str, tuple[int, str]] = {}
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3:
                words[parts[0]] = (int(parts[1]), parts[2])
    return words


def _is_common_word(alias: str, level: int, words: dict[str, tuple[int, str]]) -> bool:
    freq, _ = words.get(alias, (0, ""))
    # jieba tags many city names as person or other names, so its tags are not used: only county short
    # names are flagged automatically; prefecture short names that are everyday words are listed in
    # _AMBIGUOUS_ALIASES.
    return level == COUNTY and freq >= 300


def build_table(source: Path, out: Path = TABLE_PATH, provenance: str = "") -> int:
    """Write the compact division table from jionlp's china_location data; returns the number of rows.

    Keeps levels province/prefecture/county with their adcodes and short names; drops the
    "省直辖行政区划" placeholder (its county-level cities hang off the province) and the municipalities'
    duplicate prefecture row. Functional zones (adcode digits 5–6 in 71–79) keep their full name only.
    """
    rows: list[tuple[str, int, str, str, str, str]] = []
    stack: dict[int, str] = {}
    word_freq = _jieba_words()
    for line in _read_location_text(source).splitlines():
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip("\t"))
        if depth > COUNTY:
            continue
        parts = line.strip("\t").split("\t")
        if len(parts) < 3 or not re.fullmatch(r"\d{6}", parts[1]):
            stack[depth] = ""
            continue
        name, adcode, alias = parts[0], parts[1], parts[2]
        parent = stack.get(depth - 1, "") if depth else ""
        if depth > PROVINCE and (adcode == parent or name.endswith("直辖行政区划")):
            stack[depth] = parent  # municipality duplicate or placeholder: children attach to the parent
            continue
        if depth == COUNTY and 71 <= int(adcode[4:6]) <= 79:
            alias = ""
        if alias == name:
            alias = ""
        stack[depth] = adcode
        common = "1" if alias and _is_common_word(alias, depth, word_freq) else ""
        rows.append((adcode, depth, name, alias, parent, common))
    out.parent.mkdir(parents=True, exist_ok=True)
    header = [
        "# Chinese administrative divisions (province, prefecture, county):",
        "# adcode, level, name, short names (/-separated), parent adcode, 1 when a county short name is also a",
        "# common word (frequency >= 300 in jieba's dictionary); such short names need their city nearby.",
        "# Built by `python -m analysis.region --build` from china_location.txt in the jionlp package",
        "# (https://github.com/dongrixinyu/JioNLP, Apache License 2.0). Do not edit by hand; rebuild instead.",
    ]
    if provenance:
        header.append(f"# Source: {provenance}")
    body = ["\t".join((a, str(lvl), n, al, p, c)) for a, lvl, n, al, p, c in rows]
    out.write_text("\n".join(header + body) + "\n", encoding="utf-8")
    _table.cache_clear()
    _configured_code.cache_clear()
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build analysis/data/regions.tsv from jionlp's data.")
    parser.add_argument("--build", type=Path, required=True, help="jionlp wheel, china_location.zip or .txt")
    parser.add_argument("--out", type=Path, default=TABLE_PATH)
    parser.add_argument("--provenance", default="", help="e.g. jionlp==1.5.31")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    n = build_table(args.build, args.out, args.provenance)
    logger.info("wrote %d divisions to %s", n, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
