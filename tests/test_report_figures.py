"""The report's figures and charts as pure functions: median, shares, an empty event, and the
SVG's escaping, text alternative and black-and-white encoding."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from assembly.outcomes.voice import Counts
from assembly.render import CHANNEL_LABELS, make_env
from assembly.report import figures
from assembly.report.charts import Chart, chart_html, layout, short


def test_median_of_odd_even_and_no_values() -> None:
    assert figures.median([5, 1, 3]) == 3
    assert figures.median([4, 1, 3, 10]) == 3.5
    assert figures.median([]) is None


def test_response_delays_skip_the_unanswered_and_clamp_clock_skew() -> None:
    t = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    naive = datetime(2026, 5, 1, 10, 0)  # as SQLite hands it back
    pairs = [
        (t, t + timedelta(minutes=12)),
        (naive, naive + timedelta(seconds=30)),
        (t, None),
        (t, t - timedelta(seconds=5)),
    ]
    assert figures.response_delays(pairs) == [720.0, 30.0, 0.0]
    assert figures.median(figures.response_delays(pairs)) == 30.0


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "no responses yet"),
        (44.6, "45 s"),
        (725, "12 min"),
        (7500, "2 h 05 min"),
        (3 * 86400 + 4 * 3600, "3 days 4 h"),
    ],
)
def test_durations_read_as_people_say_them(seconds: float | None, text: str) -> None:
    assert figures.duration_text(seconds) == text


def test_shares_by_channel_keep_silent_channels_and_sum_to_100() -> None:
    t = figures.by_channel({"room": 2, "online": 1}, CHANNEL_LABELS)
    assert [label for label, _, _ in t.rows] == list(CHANNEL_LABELS.values())
    assert [pct for _, _, pct in t.rows] == [67, 33, 0, 0, 0]
    assert t.total == 3


def test_groups_largest_first_and_no_group_last() -> None:
    t = figures.by_group({"": 4, "Carers": 2, "Patients": 5, "Staff": 2})
    assert [label for label, _, _ in t.rows] == ["Patients", "Carers", "Staff", "No group given"]
    assert sum(p for _, _, p in t.rows) == 100


def test_outcomes_count_the_settled_and_list_each_reason_once() -> None:
    o = figures.outcomes(
        {"open": 5, "answered": 2, "taken_forward": 2, "not_taken_forward": 1},
        ["Out of scope.", " Out of scope. ", "", "Too costly."],
    )
    assert o.settled == 5 and o.tally.total == 10
    assert [(label, pct) for label, _, pct in o.tally.rows] == [
        ("Open", 50),
        ("Answered", 20),
        ("Taken forward", 20),
        ("Not taken forward", 10),
    ]
    assert o.reasons == [("Out of scope.", 2), ("Too costly.", 1)]


def test_an_empty_event_has_zeros_and_says_so() -> None:
    o = figures.outcomes({}, [])
    assert o.settled == 0 and [pct for _, _, pct in o.tally.rows] == [0, 0, 0, 0]
    assert figures.by_role({}).total == 0 and figures.by_group({}).rows == []
    online = figures.online_voice({}, {})
    assert (online.people, online.contributions) == (0, 0)
    assert "Nobody has taken part yet" in online.sentence


def test_online_heard_less_than_its_share_of_the_people() -> None:
    counts = {"room": Counts(8, 0, 2, 2, 3), "online": Counts(2, 0, 0, 1, 1)}
    online = figures.online_voice({"room": 5, "online": 5}, counts)
    assert (online.people, online.contributions, online.surfaced) == (50, 20, 25)
    assert "heard less than its share of the people" in online.sentence
    even = figures.online_voice({"room": 5, "online": 5}, {"room": Counts(5), "online": Counts(5)})
    assert "less" not in even.sentence


HOSTILE = '</text><script>alert("x")</script><text x="0">&'


def _chart(**kw: object) -> Chart:
    values = {
        "id": "chart-t",
        "title": "Which <b>pledge</b>?",
        "description": "Bus & tram",
        "categories": [HOSTILE, "Trams"],
        "series": ["Members", "Public"],
        "values": [[60, 25], [40, 75]],
        "texts": [["60% (3)", "25% (1)"], ["40% (2)", "75% (3)"]],
    }
    values.update(kw)
    return Chart(**values)  # type: ignore[arg-type]


def test_a_hostile_label_is_escaped_in_the_drawing_and_its_table() -> None:
    html = str(chart_html(make_env(), _chart()))
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "Which &lt;b&gt;pledge&lt;/b&gt;?" in html and "Bus &amp; tram" in html


def test_every_chart_has_a_title_a_description_and_a_table_of_its_numbers() -> None:
    html = str(chart_html(make_env(), _chart()))
    assert re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="chart-t-title chart-t-desc"', html)
    assert '<title id="chart-t-title">' in html and '<desc id="chart-t-desc">' in html
    table = html[html.index("<table>") : html.index("</table>")]
    for number in ("60% (3)", "25% (1)", "40% (2)", "75% (3)", "Members", "Public", "Trams"):
        assert number in table


def test_series_differ_by_pattern_and_every_bar_says_its_number() -> None:
    html = str(chart_html(make_env(), _chart()))
    fills = re.findall(r'<rect x="0" y="[\d.]+" width="[\d.]+" height="14" fill="([^"]+)"', html)
    assert fills == ["#2b2b2b", "url(#chart-t-hatched)"] * 2  # solid, then hatched: not colour
    assert '<pattern id="chart-t-hatched"' in html
    values = re.findall(r'<text class="value"[^>]*>([^<]+)</text>', html)
    assert values == ["60% (3) Members", "25% (1) Public", "40% (2) Members", "75% (3) Public"]


def test_layout_scales_bars_draws_zero_as_a_hairline_and_shortens_long_labels() -> None:
    lay = layout(_chart(values=[[100, 0], [50, 25]]))
    widths = [b.width for row in lay.rows for b in row.bars]
    assert widths[0] == lay.bar_width and widths[1] == 1.0
    assert widths[2] == pytest.approx(lay.bar_width / 2, abs=0.1)
    assert short("word " * 40).endswith("…") and len(short("word " * 40)) <= 84
    with pytest.raises(ValueError):
        layout(_chart(texts=[["1"]]))
