// Package gacc reads China's customs statistics (General Administration of
// Customs of the PRC, GACC) from files dropped in an inbox or pushed with
// `tradepipe ingest`. It is a sources.Parser; it has no live fetcher yet.
//
// # Inputs, told apart by content
//
// (a) The HS-8 × partner × month detail table that GACC's online query
// platform downloads, as CSV (UTF-8 with or without BOM, UTF-16 with BOM,
// or GB18030; comma, tab or semicolon separated), as xlsx (the first sheet
// with a matching header), or as an HTML table saved with an .xls name.
// Legacy binary .xls (Excel 97-2003, OLE2) is rejected with a permanent
// error asking for xlsx or CSV. The header may sit below a few title rows
// and may be English or Chinese; the mapping of headers to fields is the
// one table in columns.go. UNCONFIRMED: the download's real layout has not
// been seen; the table holds the plausible variants (数据年月, 商品编码,
// 商品名称, 贸易伙伴编码, 贸易伙伴名称, 第一数量, 第一计量单位, 第二数量,
// 第二计量单位, 美元 and English equivalents). Required: a date, a
// commodity code, a partner (code or name) and a US dollar value. Dates
// read as YYYYMM, YYYY-MM, YYYY/MM, YYYY.MM, YYYY年MM月, or an Excel date
// serial (a date-formatted cell). Row numbers in rejects count records
// (CSV), sheet rows (xlsx) or table rows (HTML) from 1, header included.
// Each row becomes one trade_flows row: reporter CN, the partner's ISO2 (from
// the embedded partners.csv: a GACC code or an English/Chinese name), flow
// from a flow column (进口/出口, import/export) or the configured flow
// (default import), valuation CIF for imports and FOB for exports, the code's
// digits (a leading zero lost in a spreadsheet is put back), value_usd as
// published in dollars, and the first quantity and unit (Chinese units map
// to KG, T, NO, L, …; the second quantity is not kept). Summary rows (总计,
// Total) are skipped and counted.
//
// (b) The English monthly release page: an HTML table ("Unit: US$1,000")
// of countries/regions with month and year-to-date columns for exports and
// imports, and a year-on-year % row under each value row. It is parsed as
// HTML (golang.org/x/net/html, rowspan/colspan expanded), never with regular
// expressions over markup. Each country row becomes one trade_totals row per
// flow: value_usd = month cell × 1000 exactly (apd), ytd_value_usd =
// year-to-date cell × 1000. "-" is nil: no trade, read as zero (counted as
// nil_values). YoY rows, totals and regional aggregates (Asia, ASEAN, EU…)
// are skipped and counted. The reporting month comes from the page title or
// headings ("December 2017", "January-February 2020", "2020年1-2月", and the
// forms of GACC's real English pages: "12. 2019", "10.2019",
// "…Regime10.2023", "1-2.2020"); header rows read "12 | 1 to 12" or
// "12 | 1to12". A page with no unit line (2. 2019 and 10.2023 have none) is
// read as US$1,000 only when it is a GACC English table (the "Figures in
// shaded areas" note or a numbered title) whose values are whole numbers;
// it is counted (unit_assumed_usd_1000) and warned. A partner listed twice
// is quarantined (duplicate_key), never summed. Partners resolve by
// partners.csv (codes) and partners_en.tsv (GACC's English names, about 230).
// A customs-regime table (table (5), rows "Ordinary Trade", "Processing with
// Imported Materials", ...) is read and checked (its regimes must add up to
// TOTAL) and reported in a warning, but stores nothing: it has no partner.
// testdata/README.md lists the real pages and which layouts are confirmed.
//
// # Bounds
//
// One input is at most MaxInput (256 MiB, compressed or inflated; a gzip
// file is read by its magic bytes, whatever its name) and an HTML page at
// most MaxHTML (8 MiB): html.Parse holds the whole DOM, about 35× the page,
// so a page at the limit takes about 300 MB. Larger inputs are refused with
// a permanent error naming the file and the limit.
//
// # Duplicates
//
// A detail row whose period, flow, partner and code (and customs regime and
// registered place, 贸易方式 and 注册地, when the download has those columns)
// repeat an earlier row of the same input is quarantined (duplicate_key).
// The regime and registered place are kept as trade_flows columns
// customs_regime and registered_place (null when the download lacks them).
// A download valued in 人民币 (RMB) is a permanent error asking for US
// dollars, unless Options.RMBPerUSD gives a rate for each month: rows are
// then converted at their period's last month's rate (rounded half-even to
// cents), and a month without a rate is quarantined (bad_value).
//
// # January and February
//
// Since 2020 GACC publishes January and February as one combined figure.
// The rule: a combined figure is ONE row with period February and
// covers_months = 2; January gets no row, and nothing is split or estimated.
// A row covers two months when its date reads as a January–February range
// (202001-02, 2020-01-02, 2020-01~02, 2020年1-2月) or when a release page is
// titled for January–February. Any other multi-month range is rejected
// (bad_date). If one file holds both a combined figure and a single-month
// January or February row for the same flow, partner and code, the single
// month is rejected (wrong_period) so the months are not counted twice.
// Year-to-date sums stay right: summing value_usd over January–N counts
// January–February once. Monthly series must not read a covers_months = 2
// row as February alone.
//
// # Vintages
//
// A release page that states its publication date (a PubDate meta tag, or
// "Release date: 2018-01-23" / "发布时间：2018-01-23" in its text) names its
// vintage by that date: Parse sets r.ReleaseID = sources.ReleaseID(that
// date at 00:00 UTC, sha256), so IDs still sort in time and stay unique per
// content. Otherwise the release keeps the ID the pipeline gave it (fetch or
// drop time and content hash).
//
// # Errors
//
// A file that is not one of these layouts (no header with the required
// columns, no release table, no unit or month on a release page, an
// unreadable workbook, legacy xls) is a sources.Permanent error naming the
// file and what was found. A row that cannot be normalised is a Reject with
// its reason code, field, row number and raw cells.
package gacc
