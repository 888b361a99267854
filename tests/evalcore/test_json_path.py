"""The http targets' JSON paths and structural body templates."""

import pytest

from evalstage.evalcore.json_path import (
    PathError,
    check_template,
    parse_path,
    render_template,
    select,
)

REPLY = {"data": {"answer": "Yes [1].", "refs": [[1], []]}, "results": [{"id": "a"}, {"id": "b"}]}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("data.answer", "Yes [1]."),
        ("data.refs", [[1], []]),
        ("results[1].id", "b"),
        ("results[*].id", ["a", "b"]),
        ("data.refs[0][0]", 1),
    ],
)
def test_paths_select_what_they_name(path, value):
    assert select(REPLY, parse_path(path)) == value


def test_star_marks_a_path_as_many():
    assert parse_path("results[*].id").many and not parse_path("results[0].id").many


@pytest.mark.parametrize("path", ["", "a..b", ".a", "a.", "[0]", "a[x]", "a[0]b", " a"])
def test_malformed_paths_are_refused_at_load(path):
    with pytest.raises(PathError):
        parse_path(path)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("data.text", "data has no key 'text' (keys: answer, refs"),
        ("data.answer.x", "data.answer is a string, not an object"),
        ("results[5].id", "results has 2 items, no [5]"),
        ("data[*]", "data is an object, not a list"),
    ],
)
def test_a_reply_that_does_not_fit_says_where(path, reason):
    with pytest.raises(PathError, match=reason.replace("[", r"\[").replace("(", r"\(")):
        select(REPLY, parse_path(path))


def test_whole_string_placeholders_keep_their_json_type_and_inline_ones_become_text():
    template = {"q": "$question", "ctx": "$passages_json", "k": "$k", "note": "ask: ${question}!"}
    values = {"question": 'say "hi"', "passages_json": [{"n": 1}], "k": 3}
    assert render_template(template, values) == {
        "q": 'say "hi"',
        "ctx": [{"n": 1}],
        "k": 3,
        "note": 'ask: say "hi"!',
    }
    assert render_template(["$$5", 7, None], values) == ["$5", 7, None]


def test_unknown_or_stray_placeholders_are_refused():
    assert check_template({"a": ["$question", "x $k"]}, {"question", "k"}) == {"question", "k"}
    with pytest.raises(PathError, match=r"body.a\[0\]: unknown placeholder \$company"):
        check_template({"a": ["$company"]}, {"question"})
    with pytest.raises(PathError, match="names no placeholder"):
        check_template("costs $ 5", {"question"})
