package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/tradepipe/tradepipe/pipeline"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

// jobRun is one job's part of a run, for the summary.
type jobRun struct {
	name    string
	summary *pipeline.Summary
	took    time.Duration
	// rows and quarantined are what the lake holds in the partitions the
	// run wrote or found unchanged (pipeline.Held), as status counts them.
	rows, quarantined int64
}

// newJobRun reads the rows the lake holds for a run's partitions.
func newJobRun(ctx context.Context, l lake.Lake, name string, s *pipeline.Summary, took time.Duration) (jobRun, error) {
	var parts []string
	for _, r := range s.Results {
		if !pipeline.Recorded(r) {
			continue // its rows count with the data partitions
		}
		if r.Status == pipeline.StatusWritten || r.Status == pipeline.StatusUnchanged {
			parts = append(parts, r.Partition)
		}
	}
	rows, q, err := pipeline.Held(ctx, l, name, parts)
	if err != nil {
		return jobRun{}, err
	}
	return jobRun{name: name, summary: s, took: took, rows: rows, quarantined: q}, nil
}

// printSummary writes the run's summary: an aligned table with a line per
// job (and a total when there are several) whose ROWS and QUARANTINED are
// what the lake holds in the run's partitions (the numbers status shows),
// then each failure and each warning once, then the one-line total scripts
// read, whose rows are those this run wrote.
func printSummary(w io.Writer, runs []jobRun) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tWRITTEN\tUNCHANGED\tEMPTY\tFAILED\tROWS\tQUARANTINED\tTOOK")
	total := &pipeline.Summary{}
	var took time.Duration
	var rows, q int64
	line := func(name string, s *pipeline.Summary, d time.Duration, rows, q int64) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", name, count(s, pipeline.StatusWritten), count(s, pipeline.StatusUnchanged),
			count(s, pipeline.StatusEmpty), count(s, pipeline.StatusFailed), rows, q, dur(d))
	}
	for _, r := range runs {
		line(r.name, r.summary, r.took, r.rows, r.quarantined)
		total.Add(r.summary.Results...)
		took += r.took
		rows += r.rows
		q += r.quarantined
	}
	if len(runs) > 1 {
		line("total", total, took, rows, q)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	seen := map[string]bool{}
	once := func(format string, args ...any) {
		s := fmt.Sprintf(format, args...)
		if !seen[s] {
			seen[s] = true
			fmt.Fprintln(w, s)
		}
	}
	for _, r := range total.Results {
		if r.Status == pipeline.StatusFailed {
			where := r.Partition
			if where == "" {
				where = r.Input
			}
			once("FAILED %s %s: %v", r.Job, where, r.Err)
		}
	}
	for _, r := range total.Results {
		for _, msg := range r.Warnings {
			once("WARNING %s: %s", r.Job, msg)
		}
	}
	printTotal(w, total)
	return nil
}

// printTotal writes the one line scripts grep for.
func printTotal(w io.Writer, s *pipeline.Summary) {
	rows, q := s.Rows()
	superseded := ""
	if n := count(s, pipeline.StatusSuperseded); n > 0 {
		superseded = fmt.Sprintf(", %d superseded", n)
	}
	fmt.Fprintf(w, "partitions: %d written, %d unchanged, %d failed, %d empty%s; rows: %d written, %d quarantined\n",
		count(s, pipeline.StatusWritten), count(s, pipeline.StatusUnchanged), count(s, pipeline.StatusFailed), count(s, pipeline.StatusEmpty), superseded, rows, q)
}

// count counts the partitions with status st as status counts them: the
// undated quarantine partition is not one (its rows count with the data
// partitions), unless it failed.
func count(s *pipeline.Summary, st pipeline.Status) int {
	n := 0
	for _, r := range s.Results {
		if r.Status == st && (pipeline.Recorded(r) || st == pipeline.StatusFailed) {
			n++
		}
	}
	return n
}
