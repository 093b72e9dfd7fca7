package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tradepipe/tradepipe/pipeline"
)

func newRetireCmd(g *globals) *cobra.Command {
	var dry bool
	c := &cobra.Command{
		Use:   "retire JOB [--dry-run]",
		Short: "Take every file of a job that is no longer configured out of the lake",
		Long: `Take every file of JOB out of the lake's current state, in one transaction: its
files in every data, quarantine and derived partition go, with an Iceberg
snapshot, under the partitions' leases. Readers see all of the job's rows until
the commit and none after it. Then each derived job (compliance) runs once, so
what it computes no longer counts them.

For a job renamed, or given another partner set: its releases meet the files
of its former name in the months both write, and refuse to count those
partners twice. Remove the former name from the config and retire it.

JOB must not be in the config (its next run would write its files again).
History partitions keep the job's vintages; its raw inputs and records under
_state stay, so a job of that name added back publishes its months again.
--dry-run lists the partitions and files that would go and changes nothing.
A retirement cut short (a crash, a lost lease) shows nothing and is finished
by running it again.`,
		Example: `  tradepipe retire census-china --dry-run
  tradepipe retire census-china`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{"retire needs one job name"}
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			a, err := g.open(nil)
			if err != nil {
				return err
			}
			exec, err := a.executor(nil)
			if err != nil {
				return err
			}
			start := time.Now()
			gone, derived, err := exec.Retire(g.ctx, args[0], dry)
			if errors.Is(err, pipeline.ErrJobConfigured) {
				return usageError{err.Error()}
			}
			if err != nil {
				return err
			}
			printRetired(g, args[0], gone, dry)
			var runs []jobRun
			for _, s := range derived {
				if len(s.Results) == 0 {
					continue
				}
				r, err := newJobRun(g.ctx, a.lake, s.Results[0].Job, s, time.Since(start))
				if err != nil {
					return err
				}
				runs = append(runs, r)
				if s.Failed() {
					g.code = exitFailed
				}
			}
			if len(runs) > 0 {
				return printSummary(g.stdout, runs)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&dry, "dry-run", false, "list what would go, change nothing")
	return c
}

// printRetired writes one line a partition and a total.
func printRetired(g *globals, job string, gone []pipeline.Retired, dry bool) {
	verb := "retired"
	if dry {
		verb = "would retire"
	}
	var files int
	var rows, quarantined int64
	for _, r := range gone {
		fmt.Fprintf(g.stdout, "%s %s: %s (%d files, %d rows, %d quarantined)\n", verb, r.Partition, strings.Join(r.Groups, ", "), r.Files, r.Rows, r.QuarantinedRows)
		files += r.Files
		rows += r.Rows
		quarantined += r.QuarantinedRows
	}
	if len(gone) == 0 {
		fmt.Fprintf(g.stdout, "job %s has no files in the lake\n", job)
		return
	}
	fmt.Fprintf(g.stdout, "job %s: %s %d partitions, %d files, %d rows, %d quarantined\n", job, verb, len(gone), files, rows, quarantined)
}
