"""Chart geometry (oversight.charts): pure functions, no database."""

from __future__ import annotations

from oversight import charts


def test_it_rounds_the_scale_up_to_one_two_or_five() -> None:
    assert [charts.nice_ceiling(v) for v in (0, 1, 3, 7, 12, 480, 501)] == [
        1,
        1,
        5,
        10,
        20,
        500,
        1000,
    ]


def test_it_draws_stacked_bars_in_proportion_and_skips_empty_segments() -> None:
    chart = charts.stacked_bars(
        [
            (
                "甲",
                "/a",
                [(6, "on-track", "/a1", ""), (0, "yellow", "/a2", ""), (4, "red", "/a3", "")],
            ),
            (
                "乙",
                "/b",
                [(5, "on-track", "/b1", ""), (0, "yellow", "/b2", ""), (0, "red", "/b3", "")],
            ),
        ]
    )
    first, second = chart.rows
    assert [s.css for s in first.segments] == ["on-track", "red"]
    assert first.total == 10
    assert second.total == 5
    # 10 is the top of the scale: the first row spans the whole width, the second half.
    assert sum(s.width for s in first.segments) == charts.BAR_WIDTH
    assert second.segments[0].width == charts.BAR_WIDTH / 2
    assert first.segments[1].x == charts.BAR_LEFT + first.segments[0].width
    assert first.segments[1].href == "/a3"


def test_it_leaves_points_without_data_out_of_a_line() -> None:
    chart = charts.lines(
        ["01", "02", "03"],
        [("按时", "on-time", [(100.0, "/1", ""), (None, "/2", ""), (50.0, "/3", "")])],
        percent=True,
        target=100,
    )
    (series,) = chart.series
    assert [p.value for p in series.points] == [100.0, 50.0]
    assert series.points[0].y == chart.top  # 100 % at the top
    assert chart.target_y == chart.top
    assert series.points[1].y == (chart.top + chart.bottom) / 2
    assert [t.text for t in chart.y_ticks] == ["0%", "20%", "40%", "60%", "80%", "100%"]


def test_it_counts_in_whole_steps_on_a_count_chart() -> None:
    chart = charts.lines(["01", "02"], [("登记", "opened", [(0, "", ""), (3, "", "")])])
    assert [t.text for t in chart.y_ticks] == ["0", "1", "2", "3", "4", "5"]
