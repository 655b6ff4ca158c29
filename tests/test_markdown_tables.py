"""Markdown pipe tables read as rows that carry their headers, line for line (qa/formats/markdown.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import small_folder  # noqa: E402

from qa import answer  # noqa: E402
from qa.formats.base import line_of  # noqa: E402
from qa.formats.markdown import split_row, table_rows_text  # noqa: E402


def _rows(text: str) -> list[str]:
    out = table_rows_text(text)
    assert out.count("\n") == text.count("\n")  # one line out for each line in
    return out.split("\n")


def test_a_row_carries_its_headers_and_the_heading_above():
    text = ("# Revenue by region\n\n| Region | Q2 2025 | Q2 2024 |\n|---|---:|:---:|\n"
            "| Latin America | 1,306,735 | 1,204,145 |\n| Europe | 900 | 850 |\n")
    lines = _rows(text)
    assert lines[:4] == text.split("\n")[:4]  # heading, blank, header and delimiter rows kept
    assert lines[4] == "Revenue by region: Region: Latin America | Q2 2025: 1,306,735 | Q2 2024: 1,204,145"
    assert lines[5] == "Revenue by region: Region: Europe | Q2 2025: 900 | Q2 2024: 850"


def test_no_leading_or_trailing_pipes_and_alignment_colons():
    lines = _rows("Item | Price\n:-- | --:\nTea | 3.50\nCoffee | 4.00")
    assert lines[2:] == ["Item: Tea | Price: 3.50", "Item: Coffee | Price: 4.00"]


def test_escaped_pipes_stay_in_their_cell_and_code_spans_do_not_protect_pipes():
    assert split_row(r"| a \| b | c |") == ["a | b", "c"]
    assert split_row(r"| `x \| y` | z |") == ["`x | y`", "z"]
    assert split_row("| `x | y` | z |") == ["`x", "y`", "z"]  # GFM: an unescaped pipe separates cells
    assert split_row(r"| a \\| b |") == [r"a \\", "b"]  # an escaped backslash, then a separator
    lines = _rows("| Operator | Meaning |\n|---|---|\n| a \\| b | 10 |")
    assert lines[2] == "Operator: a | b | Meaning: 10"


def test_a_cell_wholly_in_bold_loses_its_marks():
    assert split_row("| **Total** | _12_ | **a** and **b** | 2*3*4 |") == ["Total", "12", "**a** and **b**", "2*3*4"]
    lines = _rows("| Item | 2025 |\n|---|---|\n| Sales | 5 |\n| **Total** | **5** |")
    assert lines[3] == "Item: Total | 2025: 5"


def test_ragged_rows_are_padded_and_cut_to_the_header():
    lines = _rows("| Name | 2024 | 2025 |\n|---|---|---|\n| Short | 1 |\n| Long | 2 | 3 | 4 | 5 |")
    assert lines[2] == "Name: Short | 2024: 1"
    assert lines[3] == "Name: Long | 2024: 2 | 2025: 3"


def test_a_table_in_a_code_fence_or_indented_code_is_not_a_table():
    fenced = "```markdown\n| A | B |\n|---|---|\n| 1 | 2 |\n```\n"
    tilde = "~~~~\n| A | B |\n|---|---|\n| 1 | 2 |\n~~~\n~~~~\n"  # a shorter fence does not close it
    indented = "    | A | B |\n    |---|---|\n    | 1 | 2 |\n"
    for text in (fenced, tilde, indented):
        assert table_rows_text(text) == text
    after = _rows(fenced + "\n| A | B |\n|---|---|\n| 1 | 2 |")  # after the fence closes: a table
    assert after[-1] == "A: 1 | B: 2"


def test_pipe_lines_that_are_not_tables_stay_as_they_are():
    for text in ("cat a.txt | grep b\nsort | uniq\n",          # no delimiter row
                 "| A | B |\n|---|\n| 1 | 2 |\n",             # delimiter row of another width
                 "| A | B |\n| x | - |\n| 1 | 2 |\n",          # not a delimiter row
                 "| A | B |\n\n|---|---|\n| 1 | 2 |\n",        # a blank line between
                 "Heading\n---\n| 1 | 2 |\n"):                # a setext heading, no pipe in the rule
        assert table_rows_text(text) == text, text


def test_the_table_ends_at_a_blank_line_or_another_block():
    lines = _rows("| A | B |\n|---|---|\n| 1 | 2 |\n> quote | x\n\n| 3 | 4 |\n# H | y")
    assert lines[2] == "A: 1 | B: 2" and lines[3:] == ["> quote | x", "", "| 3 | 4 |", "# H | y"]


def test_the_caption_is_a_short_label_above_else_the_heading():
    table = "| Region | 2025 |\n|---|---|\n| Asia | 12 |"
    assert _rows("## Sales\n\nTable 3. Net sales (in millions)\n\n" + table)[-1] == \
        "Table 3. Net sales (in millions): Region: Asia | 2025: 12"
    assert _rows("## Sales\nNet sales by region:\n" + table)[-1] == "Net sales by region: Region: Asia | 2025: 12"
    # a sentence above is text, not a label; nor is the last line of a longer paragraph
    assert _rows("## Sales\n\nSales grew in every region.\n\n" + table)[-1] == "Sales: Region: Asia | 2025: 12"
    assert _rows("## Sales\n\nSales grew in every region and\nwe thank our staff\n\n" + table)[-1] == \
        "Sales: Region: Asia | 2025: 12"
    assert _rows(table)[-1] == "Region: Asia | 2025: 12"


def test_crlf_line_ends_are_kept():
    lines = _rows("| A | B |\r\n|---|---|\r\n| 1 | 2 |\r\n")
    assert lines[2] == "A: 1 | B: 2\r"


REPORT = """# Acme Holdings quarterly report

## Overview

Acme Holdings sells ready-to-drink teas and coffees in supermarkets and cafes across four regions.
Demand was strong in the second quarter, helped by a warm summer and new listings in Brazil and Mexico.
The company opened two bottling plants and hired three hundred people during the period.

## Revenues by region

The following table shows revenues by region, in thousands of US dollars.

| Region | Three months ended June 30, 2025 | Three months ended June 30, 2024 |
|---|---:|---:|
| North America | 2,418,902 | 2,310,477 |
| Europe | 1,877,310 | 1,790,068 |
| Latin America | 1,306,735 | 1,204,145 |
| Asia Pacific | 954,221 | 901,553 |
| Total | 6,557,168 | 6,206,243 |

## Outlook

Management expects revenues to keep growing in the second half of the year, with Latin America
and Asia Pacific growing fastest. Prices will rise by about three percent in September.
"""


@pytest.fixture(scope="module")
def retriever(tmp_path_factory, embedder):
    return small_folder(tmp_path_factory.mktemp("mdtables"), embedder, {"acme-q2.md": REPORT})


def test_a_row_question_quotes_the_row_at_its_line_in_the_file(retriever):
    a = answer(retriever, "What were revenues in Latin America for the three months ended June 30, 2025?")
    assert not a.abstained, a.notes
    assert any("1,306,735" in s.text for s in a.sentences), a.text
    row_line = REPORT.split("\n").index("| Latin America | 1,306,735 | 1,204,145 |") + 1
    for s in a.sentences:
        if "1,306,735" in s.text:
            passage = a.passages[s.passage - 1]
            doc = retriever.document(passage.doc_id)
            assert "Revenues by region: Region: Latin America" in s.text
            assert line_of(doc.text, doc.line_anchors, s.doc_start) == row_line
            assert passage.line_start <= row_line <= passage.line_end


def test_markdown_files_only_and_an_index_built_with_the_old_rules_reads_them_again(tmp_path, embedder):
    from qa import scan_changes
    from qa.index.folder import FolderStore

    files = {"acme-q2.md": REPORT, "notes.markdown": REPORT, "notes.txt": REPORT}
    retriever = small_folder(tmp_path, embedder, files)
    texts = {d.source: retriever.document(d.doc_id).text for d in retriever.documents()}
    row = "| Latin America | 1,306,735 | 1,204,145 |"
    assert row in texts["notes.txt"] and row not in texts["acme-q2.md"] and row not in texts["notes.markdown"]
    manifest = FolderStore(tmp_path / "index").read_manifest()
    assert scan_changes(tmp_path / "docs", manifest).unchanged == ("acme-q2.md", "notes.markdown", "notes.txt")
    before = manifest.with_(readers={".pdf": 2})  # what indexes built before Markdown tables stored
    plan = scan_changes(tmp_path / "docs", before)
    assert plan.changed == ("acme-q2.md", "notes.markdown") and plan.unchanged == ("notes.txt",)
