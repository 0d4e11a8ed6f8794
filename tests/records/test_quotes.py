"""Every quote in data/ is found in its source after NFKC normalisation and white-space removal."""
from pathlib import Path

import pytest

from policygraph.records.sources import SourceIndex, normalize
from policygraph.records.yamlload import load_yaml

ROOT = Path(__file__).resolve().parents[2]
RECORD_FILES = sorted((ROOT / "data" / "records").glob("*.yaml"))


def _sources() -> dict[str, Path]:
    data = load_yaml(ROOT / "data" / "records" / "sources.yaml")
    return {r["id"]: ROOT / "data" / "sources" / r["file"] for r in data["records"]}


def _evidence():
    for path in RECORD_FILES:
        data = load_yaml(path)
        for rec in data["records"]:
            for i, ev in enumerate(rec.get("evidence", [])):
                source = ev.get("source") or data.get("source")
                yield pytest.param(path.name, rec["id"], i, source, ev["quote"], id=f"{rec['id']}#{i}")


EVIDENCE = list(_evidence())
INDEXES = {sid: SourceIndex(path) for sid, path in _sources().items()}


def test_there_are_quotes_to_check():
    assert len(EVIDENCE) > 100


@pytest.mark.parametrize("file,record,index,source,quote", EVIDENCE)
def test_quote_is_in_its_source(file, record, index, source, quote):
    assert source in INDEXES, f"{file}: record {record} evidence[{index}] names unknown source {source!r}"
    assert INDEXES[source].find(quote) is not None, (
        f"{file}: record {record} evidence[{index}]: quote not found in {source}: {quote!r}")


def test_sources_are_the_shared_originals():
    shared = ROOT.parent / "shared" / "sources"
    if not shared.is_dir():
        pytest.skip("../shared/sources is not beside this checkout")
    for sid, path in _sources().items():
        assert path.read_bytes() == (shared / path.name).read_bytes(), f"{path.name} differs from the shared copy"


def test_normalisation_matches_full_width_and_line_breaks():
    assert normalize("２０１７年\n度　ＫＰＩ") == "2017年度KPI"
    index = INDEXES["src-000"]
    # 000 breaks this sentence over two lines and prints full-width brackets.
    hit = index.find("【総務省】引き続き推進する。")
    assert hit is not None and hit.line > 1000
    assert index.find("【総務省】引き続き推進しない。") is None
