package pipeline

import (
	"fmt"
	"io"

	"github.com/tradepipe/tradepipe/internal/civil"
)

// Status is the outcome of one partition (or of an input that failed
// before its partitions were known).
type Status string

// Statuses.
const (
	StatusWritten   Status = "written"   // a new version was published
	StatusUnchanged Status = "unchanged" // the published version already has this input
	StatusFailed    Status = "failed"
	StatusEmpty     Status = "empty" // the source has no data for the month (yet)
	// StatusSuperseded: the input is an older vintage than the published
	// one; it went to history and the current partition was kept.
	StatusSuperseded Status = "superseded"
)

// Result is the outcome for one partition.
type Result struct {
	Job         string
	Partition   string // lake path; empty when the input failed as a whole
	Month       civil.Month
	Input       string // URI of the input
	InputSHA256 string
	Status      Status
	Rows        int64
	Quarantined int64
	// Warnings are checks that found the published data doubtful (e.g. a
	// reconciliation mismatch); the data is published all the same.
	Warnings []string
	Err      error
	// Txn is the transaction that committed the partition, and Snapshots
	// the table-format snapshots it made (Options.Tables), set on written
	// results.
	Txn       string
	Snapshots []TableSnapshot
}

// Summary collects a run's results.
type Summary struct {
	Results []Result
}

// Add appends results.
func (s *Summary) Add(rs ...Result) { s.Results = append(s.Results, rs...) }

// Count returns the number of results with status st.
func (s *Summary) Count(st Status) int {
	n := 0
	for _, r := range s.Results {
		if r.Status == st {
			n++
		}
	}
	return n
}

// Rows returns the rows and quarantined rows written.
func (s *Summary) Rows() (rows, quarantined int64) {
	for _, r := range s.Results {
		if r.Status == StatusWritten {
			rows += r.Rows
			quarantined += r.Quarantined
		}
	}
	return rows, quarantined
}

// Failed reports whether any partition or input failed.
func (s *Summary) Failed() bool { return s.Count(StatusFailed) > 0 }

// Print writes one line per failure and a total line.
func (s *Summary) Print(w io.Writer) {
	for _, r := range s.Results {
		if r.Status == StatusFailed {
			where := r.Partition
			if where == "" {
				where = r.Input
			}
			fmt.Fprintf(w, "FAILED %s %s: %v\n", r.Job, where, r.Err)
		}
		for _, msg := range r.Warnings {
			fmt.Fprintf(w, "WARNING %s %s: %s\n", r.Job, r.Partition, msg)
		}
	}
	rows, q := s.Rows()
	// Superseded is printed only when it happens, so the usual line stays
	// as scripts know it.
	superseded := ""
	if n := s.Count(StatusSuperseded); n > 0 {
		superseded = fmt.Sprintf(", %d superseded", n)
	}
	fmt.Fprintf(w, "partitions: %d written, %d unchanged, %d failed, %d empty%s; rows: %d written, %d quarantined\n",
		s.Count(StatusWritten), s.Count(StatusUnchanged), s.Count(StatusFailed), s.Count(StatusEmpty), superseded, rows, q)
}
