"""SVG charts: pure, escaped, and drawn to the values given."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from zi_assess.reports import charts

SVG = "{http://www.w3.org/2000/svg}"


def test_bar_chart_escapes_labels_and_draws_threshold_lines():
    svg = charts.bar_chart(
        [charts.Bar('<script>alert("x")</script> & Co', 80.0, "80,00 %"), charts.Bar("Kosong", None, "–")],
        title="Area <1>", lines=[charts.Line(60, "WBK 60 %"), charts.Line(75, "WBBM 75 %")],
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&amp; Co" in svg
    assert "style=" not in svg  # presentation attributes only: the pages' CSP forbids inline styles
    root = ET.fromstring(str(svg))  # well-formed XML
    assert root.find(f"{SVG}title").text == "Area <1>"
    bars = root.findall(f"{SVG}rect")
    assert len(bars) == 1 and bars[0].get("fill") == charts.COLOURS["good"]  # 80 ≥ 75
    labels = [t.text for t in root.findall(f"{SVG}text")]
    assert "WBK 60 %" in labels and "WBBM 75 %" in labels and "80,00 %" in labels and "–" in labels
    dashed = [line for line in root.findall(f"{SVG}line") if line.get("stroke-dasharray")]
    assert len(dashed) == 2
    assert dashed[1].get("x1") > dashed[0].get("x1")


def test_bar_colours_follow_the_thresholds():
    lines = [charts.Line(60, "a"), charts.Line(75, "b")]
    tones = [charts._tone(v, lines) for v in (59.99, 60, 74.9, 75)]
    assert tones == [charts.COLOURS["low"], charts.COLOURS["ok"], charts.COLOURS["ok"], charts.COLOURS["good"]]


def test_histogram_counts_values_per_bin():
    svg = charts.histogram([10, 12, 77, 78, 79, 100], title="t", lines=[charts.Line(75, "WBK")], bin_width=5)
    root = ET.fromstring(str(svg))
    counts = sorted(int(t.text) for t in root.findall(f"{SVG}text") if re.fullmatch(r"\d+", t.text or "")
                    and t.get("font-size") == "10" and t.get("fill") == charts.INK)
    assert counts == [1, 2, 3]  # 100 falls in the last bin with 95–99


def test_year_bars_draw_each_series_per_year_with_a_legend_and_thresholds():
    series = [charts.Series('Unit <b>dinilai</b>', [2, 3], ["2", "3"]), charts.Series("Diusulkan", [1, None], ["1", "–"])]
    svg = charts.year_bars(["2025", "2026"], series, title="Tren & <x>")
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "style=" not in svg
    root = ET.fromstring(str(svg))
    assert root.find(f"{SVG}title").text == "Tren & <x>"
    rects = root.findall(f"{SVG}rect")
    assert len(rects) == 2 + 3  # a legend swatch per series, a bar per known value
    bars = rects[2:]
    assert [b.get("fill") for b in bars] == [charts.SERIES_COLOURS[0], charts.SERIES_COLOURS[1], charts.SERIES_COLOURS[0]]
    heights = [float(b.get("height")) for b in bars]
    assert heights[2] == max(heights) and heights[1] < heights[0]  # 3 > 2 > 1
    # one series: coloured by the thresholds it reaches, the lines drawn across
    single = ET.fromstring(str(charts.year_bars(["2025", "2026"], [charts.Series("Total", [70.0, 80.0], ["70", "80"])],
                                                title="t", lines=[charts.Line(75, "WBK 75")], scale_max=100)))
    fills = [r.get("fill") for r in single.findall(f"{SVG}rect")]
    assert fills == [charts.COLOURS["low"], charts.COLOURS["good"]]
    assert len([line for line in single.findall(f"{SVG}line") if line.get("stroke-dasharray")]) == 1


def test_a_pdf_chart_carries_its_texts_as_html_over_the_same_drawing():
    """WeasyPrint lays out SVG text letter by letter: in PDFs the texts are HTML boxes (#15)."""
    bars = [charts.Bar('<b>Area</b> & Co', 80.0, "80,00 %"), charts.Bar("Kosong", None, "–")]
    lines = [charts.Line(60, "WBK 60 %"), charts.Line(75, "WBBM 75 %")]
    web = charts.bar_chart(bars, title="t", lines=lines)
    pdf = charts.bar_chart(bars, title="t", lines=lines, pdf_width_mm=180)
    root = ET.fromstring(str(pdf))  # well-formed: a div holding the SVG and the text boxes
    assert root.tag == "div" and root.get("style").startswith("width:180.00mm;")
    svg = root.find(f"{SVG}svg")
    assert svg.findall(f"{SVG}text") == []
    web_root = ET.fromstring(str(web))
    assert [ET.tostring(e) for e in svg if e.tag != f"{SVG}text"] == [ET.tostring(e) for e in web_root
                                                                        if e.tag != f"{SVG}text"]
    texts = [span.text for span in root.findall("span")]
    assert texts == [t.text for t in web_root.findall(f"{SVG}text")]  # every text, in the same order
    assert "<b>" not in pdf and "&lt;b&gt;Area&lt;/b&gt; &amp; Co" in pdf
    # a text ending at x (text-anchor end) is a right-aligned box whose right edge is at x
    label = root.findall("span")[6]
    assert "text-align:right" in label.get("style") and label.text == "<b>Area</b> & Co"
