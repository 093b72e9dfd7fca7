// Package publish implements the lake's publish protocol for one partition:
// data files under deterministic names, then _manifest.json, then _SUCCESS,
// then removal of the files the new manifest no longer lists.
//
// A partition holds one or more groups: "part-00000" for datasets written
// whole per partition (trade_flows), one group per delivery for datasets
// that accumulate deliveries (shipments). Publishing a group replaces that
// group's files and leaves the other groups alone. Each object is atomically
// visible (lake.Lake's Put contract), so a reader sees the old or the new
// version of every file, never a half-written one; a crash at any step leaves
// a partition that a re-run converges from.
//
// The protocol assumes one writer per partition at a time; the pipeline
// holds a lock or lease around Publish.
package publish
