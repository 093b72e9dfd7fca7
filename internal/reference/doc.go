// Package reference carries the fixed facts the pipeline needs as embedded
// tables, each naming where it comes from: the Census Bureau's Schedule C
// country codes, and (for the compliance metrics) the Phase One tables.
// The tables are the project's own copies; update them here, with their
// source, when the publishers change them.
package reference
