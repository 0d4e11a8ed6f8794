"""Record files read in two processes (`corpus._read_records`, from PARALLEL_FILES files on): the same corpus
and the same problems as one process reading them all, on the real project split in two halves."""
import pytest

import policygraph.records.corpus as corpus_module
from policygraph.errors import PolicygraphError
from policygraph.records.corpus import Corpus, _halfway, _read_records, load_corpus, record_files


@pytest.fixture
def split(monkeypatch):
    """Every project of two files or more is read in two processes."""
    monkeypatch.setattr(corpus_module, "PARALLEL_FILES", 2)


def _one_process(monkeypatch):
    monkeypatch.setattr(corpus_module, "PARALLEL_FILES", 10**9)


def _edit(project, name, old, new):
    path = project.records_dir / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _problems(project) -> list[str]:
    with pytest.raises(PolicygraphError) as exc:
        load_corpus(project)
    return [str(p) for p in exc.value.problems]


def test_the_second_half_is_read_by_another_process(project, split):
    files = record_files(project)
    cut = _halfway(files)
    assert 0 < cut < len(files)
    corpus = Corpus(project)
    problems, text_problems = _read_records(corpus, files)
    assert problems == [] and text_problems == []
    by_file = {}
    for located in corpus.records.values():
        by_file.setdefault(located.file, set()).add(located.kept is None)
    # The records as read stay with the process that read them: only the other process's come without.
    assert {f: kept for f, kept in by_file.items()} == {f: {files.index(f) >= cut} for f in by_file}


def test_two_processes_read_the_same_corpus_as_one(project, split, monkeypatch):
    two = load_corpus(project)
    _one_process(monkeypatch)
    one = load_corpus(project)
    assert list(two.records) == list(one.records)
    for rid, located in one.records.items():
        other = two.records[rid]
        assert (other.record, other.file, other.line, other.index) == (located.record, located.file, located.line,
                                                                        located.index)
    assert two.matches == one.matches
    assert two.default_sources == one.default_sources


def test_an_id_of_the_first_half_defined_again_in_the_second(project_copy, split, monkeypatch):
    files = record_files(project_copy)
    assert files.index(project_copy.records_dir / "004-evaluation-2019.yaml") >= _halfway(files)
    path = _edit(project_copy, "004-evaluation-2019.yaml", "  - id: body-mic-regional-info-policy-office\n",
                 "  - id: body-cas\n")
    two = _problems(project_copy)
    _one_process(monkeypatch)
    assert two == _problems(project_copy)
    assert any(p.startswith(f"{path}:") and "record body-cas, field id: duplicate id (first defined at" in p
               and "001-cloud-briefing.yaml:" in p for p in two), two


def test_malformed_yaml_in_the_second_half(project_copy, split, monkeypatch):
    path = _edit(project_copy, "004-evaluation-2019.yaml", "  - id: doc-evaluation-2019\n",
                 "  - id: doc-evaluation-2019\n   bad: [unclosed\n")
    with pytest.raises(PolicygraphError) as exc:
        load_corpus(project_copy)
    assert exc.value.exit_code == 2
    problem = exc.value.problems[0]
    assert problem.file == path and problem.line and "malformed YAML" in problem.message
    _one_process(monkeypatch)
    with pytest.raises(PolicygraphError) as again:
        load_corpus(project_copy)
    assert [str(p) for p in again.value.problems] == [str(p) for p in exc.value.problems]


def test_problems_of_the_second_half_are_located_as_in_one_process(project_copy, split, monkeypatch):
    # A control character (checked on the records as read) and an unknown reference (checked on all of
    # them, after the reading) in a file of the second half; a wrong type in one of the first.
    _edit(project_copy, "004-evaluation-2019.yaml", "aliases: [政策評価書 政策8, 総務省31-⑧]",
          'aliases: [政策評価書 政策8, "総務省\\a31-⑧"]')
    _edit(project_copy, "001-cloud-briefing.yaml", "    reform_item: ri-15\n", "    reform_item: body-mic\n")
    two = _problems(project_copy)
    _one_process(monkeypatch)
    assert two == _problems(project_copy)
    assert any("004-evaluation-2019.yaml:" in p and "control character (0x07)" in p for p in two), two
    assert any("001-cloud-briefing.yaml:" in p and "refers to a Body; expected ReformItem" in p for p in two), two


def test_a_half_whose_process_died_is_read_here(project, split, monkeypatch):
    def die(*_args):
        import os
        os._exit(1)  # as if killed: nothing sent
    monkeypatch.setattr(corpus_module, "_read_in_child", die)  # the forked process runs the patched module
    files = record_files(project)
    corpus = Corpus(project)
    assert _read_records(corpus, files) == ([], [])
    # Every record read here (each keeps the records as read), in the order of one process.
    assert all(located.kept is not None for located in corpus.records.values())
    _one_process(monkeypatch)
    assert list(corpus.records) == list(load_corpus(project).records)
