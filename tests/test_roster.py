"""The roster parser (pure): encodings, separators, and a problem per bad line."""

from __future__ import annotations

from assembly.roster import MAX_ROWS, RosterRow, parse_roster, to_csv

GROUPS = ["patient", "carer", "staff"]


def test_utf8_with_bom_commas_and_headers_in_any_case() -> None:
    data = "\ufeffName , GROUP,Table\nAnn Smith,Patient,2\nBob Jones,,\n".encode()
    r = parse_roster(data, GROUPS)
    assert r.problems == []
    assert r.rows == [RosterRow(2, "Ann Smith", "patient", "2"), RosterRow(3, "Bob Jones")]


def test_windows_1252_with_semicolons_as_excel_writes_it() -> None:
    data = "name;group;table\r\nZoë Brown;carer;1\r\nSiân Evans;staff;3\r\n".encode("cp1252")
    r = parse_roster(data, GROUPS)
    assert r.problems == []
    assert [(x.name, x.group, x.table) for x in r.rows] == [
        ("Zoë Brown", "carer", "1"),
        ("Siân Evans", "staff", "3"),
    ]


def test_a_semicolon_inside_a_quoted_name_does_not_split_a_comma_file() -> None:
    r = parse_roster(b'name,table\n"Smith; Ann",4\n', [])
    assert [(x.name, x.table) for x in r.rows] == [("Smith; Ann", "4")]


def test_every_problem_names_its_line_and_no_bad_row_is_kept() -> None:
    data = (
        b"name,group,table\n"
        b"Ann Smith,patient,2\n"  # line 2
        b",carer,1\n"  # line 3: no name
        b"\n"  # line 4: blank, skipped
        b"ann  smith,Patient,2\n"  # line 5: the same as line 2
        b"Cy Dee,patients,1\n"  # line 6: not a group
    )
    r = parse_roster(data, GROUPS)
    assert r.problems == [
        "line 3: the name is missing",
        "line 5: duplicate of line 2 (Ann Smith, table 2)",
        "line 6: group 'patients' is not one of this event's groups (patient, carer, staff)",
    ]
    assert [x.name for x in r.rows] == ["Ann Smith"]


def test_the_same_name_at_another_table_is_another_person() -> None:
    r = parse_roster(b"name,table\nAnn Smith,1\nAnn Smith,2\n", [])
    assert r.problems == [] and len(r.rows) == 2


def test_unknown_columns_are_ignored_and_reported() -> None:
    r = parse_roster(b"id,name,postcode\n7,Ann,AB1 2CD\n", [])
    assert r.problems == [] and r.ignored == ["id", "postcode"]
    assert r.rows == [RosterRow(2, "Ann")]


def test_no_name_column_an_empty_file_and_a_group_without_groups() -> None:
    assert "no 'name' column" in parse_roster(b"full name,table\nAnn,1\n", []).problems[0]
    assert "empty" in parse_roster(b"", []).problems[0]
    assert "names no members" in parse_roster(b"name\n\n", []).problems[0]
    [problem] = parse_roster(b"name,group\nAnn,carer\n", []).problems
    assert problem.startswith("line 2: group 'carer' given, but this event offers no groups")


def test_too_big_or_too_many_rows_is_one_sentence() -> None:
    big = parse_roster(b"name\n" + b"x" * 1_000_001, [])
    assert big.rows == [] and big.problems[0].startswith("The file is 1,000,006 bytes")
    many = b"name\n" + b"".join(b"person %d\n" % i for i in range(MAX_ROWS + 1))
    r = parse_roster(many, [])
    assert r.rows == [] and r.problems == [
        "The file has more than 5,000 members. Split it into smaller files."
    ]


def test_what_the_preview_carries_reads_back_the_same() -> None:
    rows = parse_roster('name;group;table\nZoë, "the" first;carer;1\n'.encode(), GROUPS).rows
    again = parse_roster(to_csv(rows), GROUPS)
    assert again.problems == [] and [(x.name, x.group, x.table) for x in again.rows] == [
        ('Zoë, "the" first', "carer", "1")
    ]
