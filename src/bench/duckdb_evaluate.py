"""The reference for `basewatch bench evaluate`: DuckDB (pip install duckdb)
reads the 活动明细 CSV and computes the same scorecards basewatch computes
(every base due in each year × every indicator its type requires: actual,
target, gap, met, base_pass), writing them as CSV.

usage: python3 duckdb_evaluate.py RECORDS.csv BASES.csv TARGETS.csv OUT.csv FIRST_YEAR LAST_YEAR
"""
import sys

import duckdb

records, bases, targets, out, first, last = sys.argv[1:7]
first, last = int(first), int(last)

con = duckdb.connect()
con.execute(
    f"""
COPY (
  WITH rec AS (
    SELECT "基地编号" AS code, "指标" AS indicator,
           CAST("日期" AS DATE) AS d, COALESCE(TRY_CAST("数量" AS BIGINT), 1) AS q
    FROM read_csv('{records}', header = true, all_varchar = true)
  ),
  tot AS (
    SELECT code, indicator, year(d) AS year, SUM(q) AS actual
    FROM rec GROUP BY code, indicator, year(d)
  ),
  b AS (SELECT * FROM read_csv('{bases}', header = true)),
  t AS (SELECT * FROM read_csv('{targets}', header = true)),
  y AS (SELECT range AS year FROM range({first}, {last} + 1)),
  card AS (
    SELECT b.code, y.year, t.indicator, t.ord, tot.actual, t.target,
           CASE WHEN tot.actual IS NULL THEN t.target
                WHEN tot.actual >= t.target THEN 0
                ELSE t.target - tot.actual END AS gap,
           COALESCE(tot.actual >= t.target, false) AS met
    FROM b JOIN y ON b.first_year <= y.year
           JOIN t ON t.type = b.type
           LEFT JOIN tot ON tot.code = b.code AND tot.indicator = t.indicator AND tot.year = y.year
  )
  SELECT code AS base_code, year, indicator, actual, target, gap, met,
         bool_and(met) OVER (PARTITION BY code, year) AS base_pass
  FROM card ORDER BY year, code, ord
) TO '{out}' (HEADER, DELIMITER ',')
"""
)
