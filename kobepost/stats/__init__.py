"""Statistics for supervisors and the city: every figure is one SQL aggregate.

Nothing here loads cases, calls or posts into Python one by one: each function runs a
constant number of GROUP BY queries whatever the size of the archive, and Python only
merges the (few) aggregated rows into tables. Rows are counted with COUNT(*), never
COUNT(id): the period indexes carry the grouped columns but not the id, and reading
only them (an index-only scan) is what keeps a whole fiscal year fast.

- filters.py: what the figures are about (StatsFilter), the rows they come in, caching
- volumes.py: how much arrived (per bucket, fiscal year, dial, channel, ward, FAQ)
- response_times.py: how fast (hours and business days, medians and 90th percentiles)
- overdue.py: past the reply due date, and due today or on the next business day
- calls.py: the call journal's figures
- dashboard.py: the dashboard's figures of a period, cached together
- monthly.py: the city's monthly report of a fiscal year
- charts.py, views.py: drawing and pages

Fiscal years, 令和 labels, start of day and business days: kobepost.lib.jp_calendar.
"""
