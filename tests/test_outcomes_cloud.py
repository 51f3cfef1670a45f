"""The word cloud: well-formed SVG, no overlapping words, escaped text, a text alternative."""

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from assembly.outcomes.cloud import COLOURS, SMALLEST, WIDTH, Placed, cloud_svg, layout
from tests.outcomes_helpers import PROPERTY

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def test_a_cloud_is_an_image_with_its_words_and_counts_as_text() -> None:
    svg = cloud_svg([("parking", 9), ("buses", 4), ("trams", 1)])
    root = _parse(svg)
    assert root.get("role") == "img"
    alt = "Word cloud, 3 words: parking (9), buses (4), trams (1)."
    assert root.get("aria-label") == alt
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == alt
    words = {t.text: t for t in root.iter(f"{SVG}text")}
    assert set(words) == {"parking", "buses", "trams"}
    # The most written word is the largest, the least written the smallest.
    sizes = {w: float(t.get("font-size", "0")) for w, t in words.items()}
    assert sizes["parking"] > sizes["buses"] > sizes["trams"] == SMALLEST


def test_it_scales_to_the_width_it_is_given() -> None:
    root = _parse(cloud_svg([("wait", 2)]))
    assert root.get("width") == "100%"
    assert root.get("height") is None
    assert (root.get("viewBox") or "").startswith(f"0 0 {WIDTH} ")
    assert root.get("style") is None  # the page's CSP allows no inline style


def test_no_words_draws_a_sentence_not_an_empty_box() -> None:
    root = _parse(cloud_svg([]))
    assert root.get("aria-label") == "Word cloud: no words yet."
    assert [t.text for t in root.iter(f"{SVG}text")] == ["No words yet"]
    assert cloud_svg([("zero", 0)]) == cloud_svg([])


def test_only_the_top_words_are_drawn() -> None:
    counts = [(f"word{chr(97 + i)}", 100 - i) for i in range(26)]
    placed, _ = layout(counts, top=5)
    assert [p.word for p in sorted(placed, key=lambda p: -p.count)] == [
        "worda",
        "wordb",
        "wordc",
        "wordd",
        "worde",
    ]


def test_hostile_text_is_escaped_everywhere() -> None:
    nasty = "<script>x()</script>"
    svg = cloud_svg([(nasty, 3), ('a "quoted" & <b>', 2)], label='Answers to "why?" & <how>')
    assert "<script>" not in svg and "<b>" not in svg
    root = _parse(svg)
    assert [el.tag for el in root.iter()] == [f"{SVG}svg", f"{SVG}title"] + [f"{SVG}text"] * 2
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert nasty in texts
    assert nasty in (root.get("aria-label") or "")
    assert (root.get("aria-label") or "").startswith('Answers to "why?" & <how>')


def test_characters_xml_cannot_carry_are_dropped() -> None:
    root = _parse(cloud_svg([("bad\x00\x1b\ufffeword", 1), ("\x00", 5), (" ", 4)]))
    assert [t.text for t in root.iter(f"{SVG}text")] == ["badword"]
    assert root.get("aria-label") == "Word cloud, 1 word: badword (1)."


def test_a_very_long_word_is_shortened_and_fits() -> None:
    long = "x" * 200
    placed, _ = layout([(long, 5)])
    assert placed[0].x >= 0 and placed[0].x + placed[0].width <= WIDTH
    root = _parse(cloud_svg([(long, 5)]))
    (text,) = root.iter(f"{SVG}text")
    assert text.text is not None and len(text.text) == 24 and text.text.endswith("…")
    assert long in (root.get("aria-label") or "")  # the text alternative keeps it whole


def test_the_same_counts_give_the_same_svg() -> None:
    counts = [("b", 2), ("a", 2), ("c", 7)]
    assert cloud_svg(counts) == cloud_svg(list(reversed(counts)))


def test_colours_are_dark_enough_for_a_projector() -> None:
    def luminance(hex_colour: str) -> float:
        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    for colour in COLOURS:
        assert 1.05 / (luminance(colour) + 0.05) >= 7  # WCAG AAA against white


def _overlap(a: Placed, b: Placed) -> bool:
    return (
        a.x < b.x + b.width
        and b.x < a.x + a.width
        and a.y < b.y + b.height
        and b.y < a.y + a.height
    )


WORDS = st.lists(
    st.tuples(st.text(min_size=1, max_size=60), st.integers(min_value=1, max_value=10**6)),
    max_size=60,
    unique_by=lambda wc: wc[0],
)


@PROPERTY
@given(WORDS, st.integers(min_value=1, max_value=60))
def test_no_two_word_boxes_overlap_and_all_fit_the_width(
    counts: list[tuple[str, int]], top: int
) -> None:
    placed, height = layout(counts, top)
    # Words with nothing to draw (only spaces, or characters XML cannot carry) are left out.
    drawable = [w for w, _ in counts if "".join(w.split()).strip("\x00\x01\x02\x1f")]
    assert len(placed) <= min(top, len(drawable))
    if all(w.isalpha() for w in drawable):
        assert len(placed) == min(top, len(drawable))
    for i, a in enumerate(placed):
        assert 0 <= a.x and a.x + a.width <= WIDTH + 1e-6
        assert 0 <= a.y and a.y + a.height <= height + 1e-6
        for b in placed[i + 1 :]:
            assert not _overlap(a, b), (a, b)


@PROPERTY
@given(WORDS, st.text(max_size=80))
def test_the_svg_is_well_formed_and_carries_every_word_for_any_text(
    counts: list[tuple[str, int]], label: str
) -> None:
    root = _parse(cloud_svg(counts, label=label))
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == root.get("aria-label")
    # Only <title> and <text> elements, whatever the words: nothing injected.
    assert {el.tag for el in root.iter()} <= {f"{SVG}svg", f"{SVG}title", f"{SVG}text"}
    for text in root.iter(f"{SVG}text"):
        assert len(list(text)) == 0
