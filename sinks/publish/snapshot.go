package publish

// TableSnapshot is what one committed transaction made current in one
// table-format table (an Iceberg snapshot, sinks/iceberg): plain values
// for run summaries and lineage events, which the engine hands on without
// knowing the table format.
type TableSnapshot struct {
	Table      string `json:"table"`
	SnapshotID int64  `json:"snapshot_id"`
	Sequence   int64  `json:"sequence_number"`
	// Metadata is the URL of the metadata file holding the snapshot, the
	// location engines that take one are given.
	Metadata string `json:"metadata_location"`
	Txn      string `json:"txn"`
}
