// Package reference carries the fixed facts the pipeline needs as embedded
// tables, each naming where it comes from: the Census Bureau's Schedule C
// country codes, and for the compliance metrics the Phase One tables: the
// Attachment to Annex 6.1 (phase1_annex_6_1.tsv), the treaty's increments
// and PIIE's published 2017 baselines (phase1_figures.tsv).
// The tables are the project's own copies; update them here, with their
// source, when the publishers change them.
//
// Classifier maps an HS code of any length to its Phase One category by
// the longest listed prefix, and reports codes that only partly hold a
// listed line as ambiguous rather than guessing (see Classify). A
// classifier is built for a basis and a Definition: Original is the
// Attachment as printed; Revised adds the national lines of
// phase1_national_lines.tsv (Census 880000, civil aircraft, on the
// US-exports basis). Combine classifies one month's codes given at several
// HS levels, counting each dollar once. phase1_figures.tsv also carries
// PIIE's published tracker figures (PublishedTracker) to print beside ours.
package reference
