package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/tradepipe/tradepipe/pipeline"
)

// jobRun is one job's part of a run, for the summary.
type jobRun struct {
	name    string
	summary *pipeline.Summary
	took    time.Duration
}

// printSummary writes the run's summary: an aligned table with a line per
// job (and a total when there are several), then each failure and each
// warning once, then the one-line total scripts read.
func printSummary(w io.Writer, runs []jobRun) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tWRITTEN\tUNCHANGED\tEMPTY\tFAILED\tROWS\tQUARANTINED\tTOOK")
	total := &pipeline.Summary{}
	var took time.Duration
	line := func(name string, s *pipeline.Summary, d time.Duration) {
		rows, q := s.Rows()
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", name, s.Count(pipeline.StatusWritten), s.Count(pipeline.StatusUnchanged),
			s.Count(pipeline.StatusEmpty), s.Count(pipeline.StatusFailed), rows, q, dur(d))
	}
	for _, r := range runs {
		line(r.name, r.summary, r.took)
		total.Add(r.summary.Results...)
		took += r.took
	}
	if len(runs) > 1 {
		line("total", total, took)
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
	if n := s.Count(pipeline.StatusSuperseded); n > 0 {
		superseded = fmt.Sprintf(", %d superseded", n)
	}
	fmt.Fprintf(w, "partitions: %d written, %d unchanged, %d failed, %d empty%s; rows: %d written, %d quarantined\n",
		s.Count(pipeline.StatusWritten), s.Count(pipeline.StatusUnchanged), s.Count(pipeline.StatusFailed), s.Count(pipeline.StatusEmpty), superseded, rows, q)
}
