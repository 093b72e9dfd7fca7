// Package compliance computes the Phase One purchase-commitment metrics
// (PIIE-style tracker) from the trade_flows dataset in the lake. Job is a
// pipeline.Deriver: the engine runs it like any job (run lease, ledger,
// metrics) and commits the compliance dataset it computes; this package
// writes nothing to the lake itself.
//
// Contract:
//   - Bases. us_exports reads trade_flows/source=census/flow=export (reporter
//     US, partner CN); cn_imports reads trade_flows/source=gacc/flow=import
//     (reporter CN, partner US). Partitions are found through their
//     commit logs (sinks/publish) and read from the immutable files of
//     their latest commit, so a partition being republished is read whole,
//     old or new, even while its Hive view catches up. Only the basis's
//     rows are read: a file group named for other partners (census
//     FileGroup: partner-HK, partners-CA-MX) is not opened, row groups
//     whose partner or reporter statistics leave the basis's out are not
//     decoded, and of the others only the pages from the first to the last
//     wanted row, through lake.OpenReaderAt (a local file in place, an S3
//     object by ranged GETs). Partitions are read in parallel (one per core) and added
//     up in partition order.
//   - Classification. ReadSeries only reads (value by HS code per month);
//     Compute classifies with reference.NewClassifier(basis, definition):
//     covered goods by category and Annex sub-category, uncovered goods, and
//     ambiguous codes (shorter than an Annex line they only partly hold),
//     which are reported in their own "ambiguous" category and never
//     counted as covered. Options.Definition is the product set (original:
//     the Attachment as printed; revised: plus Census 880000, aircraft, on
//     us_exports); "" follows the baseline (original for piie_original).
//   - HS levels. A month's rows at several levels are combined by
//     reference.Classifier.Combine: each code counts its finer rows and
//     only its residual at its own level, so no dollar counts twice and HS10
//     detail under 271012 leaves nothing ambiguous. A month whose trade is
//     more than MaxAmbiguousShare ambiguous (HS2/HS4 data) is refused with
//     an error naming the months and levels; a smaller ambiguous share is
//     stated in Report.Headline.
//   - Combined months. A figure with covers_months = k at period m stands for
//     months m−k+1..m together (GACC publishes January and February as one
//     figure since 2020). It is counted at m: there is no row for the
//     earlier months (January has no separate figure), and the year-to-date
//     from m on includes it. A separate figure for one of those months as
//     well is an error (it would double count).
//   - Baselines. "lake": the 2017 value of each category from the lake with
//     the same classifier; all twelve 2017 months must be there, else
//     Compute refuses with an error naming the missing months.
//     "piie_original": PIIE's May 2020 figures, which exist for all covered
//     goods only: the manufactured/agriculture/energy rows then carry their
//     actual purchases but a null baseline, target, percentage and
//     shortfall (a category split of that baseline was never published, and
//     is not guessed). "piie_revised": PIIE's October 2020 per-category
//     figures. Uncovered and ambiguous goods always take their 2017 value
//     from the lake (null when the lake lacks 2017).
//   - Targets. target = baseline + the treaty's increment for 2020 or 2021.
//     Year-to-date target: "linear" target × months/12; "seasonal" target ×
//     (2017 value of the same category and basis through the month) / (2017
//     whole year), which needs the twelve 2017 months in the lake.
//   - Months. Rows cover 2020-01 through the through-month (at most
//     2021-12, the agreement's last month), for months the lake has. A month
//     missing before a month that is present is an error; missing trailing
//     months just end the rows (a note says so).
//   - Services are annual (BEA, not in the lake): when the options give a
//     year's services figure, a "services" row at December of that year
//     compares it with baseline + increment (proration "annual").
//   - From a through-month of 2021-12 on, the report also gives the
//     two-year totals against the commitment ($162.1bn goods increase over
//     2× the 2017 baseline; $200bn with services when both services years
//     are given).
//
// Reports: WriteTable, WriteJSON, WriteCSV (rows with covers_months),
// WriteTracker (the short tracker run --once prints, with PIIE's published
// figure where the reference tables carry one), WriteSVG and WriteHTML; each
// names the releases a basis comes from (Report.Provenance) and marks bases
// listed in Options.Synthetic as synthetic samples. The chart (SVG, drawn
// on the server, no script) has per basis and category a year-to-date panel
// beside a monthly one, the same months of 2017 as the reference in both,
// and the 2020–21 two-year view (TwoYear once complete, TwoYearSoFar while
// it runs); the HTML page embeds it.
//
// Money is apd decimals throughout; derived amounts (prorated targets) are
// rounded half-even to cents; only pct_of_target_ytd is a float.
package compliance
