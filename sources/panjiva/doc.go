// Package panjiva reads Panjiva-style shipment exports (.xlsx, one row per
// bill of lading) into the shipments dataset.
//
// Contract:
//   - Every worksheet with a recognisable header row among its first
//     Options.HeaderSearchRows rows is read; title and filter-description
//     rows above the header are skipped. A header is a row naming at least
//     three known fields; headers match a table of aliases (Arrival Date,
//     Shipment Date, Value of Goods (USD), Weight (kg), Weight (t), HS Code,
//     ...) ignoring case, spaces, underscores, hyphens and dots, plus the
//     aliases of Options.Aliases. Columns that map to no field are counted
//     (unknown_columns) and named in a manifest warning.
//   - Whole-file errors, wrapped with sources.Permanent so that an inbox
//     moves the file to failed/: not a zip, a legacy .xls, a password-
//     protected (encrypted) workbook, a corrupt archive or sheet, parts
//     larger than Options.Limits (zip bombs), no sheet with a header, or a
//     header that lacks a required column (shipment date, value, HS code);
//     the message names the file, the sheet and the headers found.
//   - Row quirks are normalised: HS codes from numbers that lost leading
//     zeros (201.3 → 020130) or text with dots, spaces, a description or
//     several codes split by ";" (hs_code is the first, hs_codes all);
//     dates as Excel serials in the workbook's 1900 or 1904 date system,
//     YYYYMMDD numbers, or text in common formats (ISO, M/D/Y, D/M/Y when
//     the first number cannot be a month, D-Mon-Y, Month D, Y, ...); values
//     as numbers or text with $, USD, thousands separators and parentheses
//     for negatives, rounded to cents (they are Panjiva's estimates);
//     weights in kg, or in t (× 1000); countries by name or code to ISO
//     3166-1 alpha-2; "N/A", "-", blanks and error cells are nulls. FROB
//     rows (foreign cargo remaining on board) are dropped and counted
//     (frob_dropped). Entirely blank rows are skipped.
//   - A row that cannot be normalised is rejected to quarantine with a
//     reason code (bad_date, bad_hs_code, bad_value, bad_weight,
//     bad_quantity for TEU, bad_country), its raw cells, sheet and row.
//
// Reading is streaming and does not go through excelize: the sheet XML is
// inflated from the zip (klauspost/compress/flate, one goroutine ahead) and
// scanned for <row> and <c> elements with byte searches, resolving shared
// strings and inline strings; memory holds the shared strings table and a
// few megabytes of XML, not the sheet. The shared strings table is decoded
// while it streams into one arena (chunks of at most 1 MiB, never
// reallocated, 1.5 bytes of index and length a string), is never written
// once read, so text cells from it reach the shipments without a copy,
// and is dropped when the last sheet is read (a large one's pages given
// back at once, before the partitions are written); other
// text, the shipments and their amounts and weights come from slabs, a few
// allocations per few hundred rows. Memory is bounded whatever the file
// holds: a cell of more than Excel's 32,767 characters (128 KiB), a row of
// more than 16 MiB of XML, a shared strings table over
// Limits.SharedStringsMemory (256 MiB, text plus index) and a part that
// inflates more than Limits.MaxCompressionRatio (200×) are refused as
// whole-file errors naming the sheet, row and cell. A number in the date
// column is an Excel serial whatever its cell style, so styles.xml is not
// read.
// A shipment whose every string the reader found valid UTF-8 goes to
// sources.CheckedEmitter.ShipmentValidUTF8, so SafeParse does not check
// it again: each shared string is checked once (two bits a string), a
// cached name when cached (invalid ones are not), slab text as copied,
// the provenance once a sheet. Any other row goes through Shipment and
// is repaired and counted there.
// Not supported: namespace-prefixed sheet XML (<x:row>), strict OOXML.
// excelize writes the test and benchmark workbooks (internal/panjivagen),
// with inline strings; panjivagen.ToSharedStrings rewrites them with a
// shared strings table, as Excel writes.
package panjiva
