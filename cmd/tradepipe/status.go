package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tradepipe/tradepipe/internal/server"
	"github.com/tradepipe/tradepipe/pipeline"
)

func newStatusCmd(g *globals) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status [--json]",
		Short: "Jobs, next and last runs, partitions, reconciliation, backfills",
		Long: `Print each job with its schedule and zone, next scheduled run, last run, partitions
by state and rows; then failed partitions, reconciliation warnings and backfills.
It reads the lake only.`,
		Args: noArgs("status"),
		RunE: func(*cobra.Command, []string) error {
			return cmdStatus(g, asJSON)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func cmdStatus(g *globals, asJSON bool) error {
	ctx, stdout := g.ctx, g.stdout
	a, err := g.open(nil)
	if err != nil {
		return err
	}
	exec, err := a.executor(nil)
	if err != nil {
		return err
	}
	jobs, err := server.Jobs(ctx, exec, time.Now())
	if err != nil {
		return err
	}
	backfills, err := exec.Ledger().Backfills(ctx)
	if err != nil {
		return err
	}
	recs, err := pipeline.ReconcileRecords(ctx, a.lake)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"jobs": jobs, "backfills": backfills, "reconciliation": recs})
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSOURCE\tSCHEDULE\tZONE\tNEXT RUN\tLAST RUN\tPARTITIONS\tROWS\tQUARANTINED")
	for _, j := range jobs {
		last := "-"
		if j.LastRun != nil {
			last = fmt.Sprintf("%s (%s, %s)", j.LastRun.Status, j.LastRun.Trigger, when(j.LastRun.FinishedAt))
			if !j.LastRun.Month.IsZero() { // a derived job has no months
				last = fmt.Sprintf("%s, %d months (%s, %s)", j.LastRun.Status, j.LastRun.Months, j.LastRun.Trigger, when(j.LastRun.FinishedAt))
			}
		}
		zone := j.Zone
		if zone == "" {
			zone = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", j.Name, j.Source, schedule(j.Schedule, j.After), zone, when(j.NextRun), last, counts(j.Counts), j.Rows, j.Quarant)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, j := range jobs {
		for _, e := range j.Failed {
			fmt.Fprintf(stdout, "%s %s %s: %s\n", strings.ToUpper(e.Status), j.Name, e.Month, e.Error)
		}
	}
	checked := 0
	for _, r := range recs {
		ok := true
		for _, c := range r.Checks {
			if !c.OK {
				ok = false
				fmt.Fprintln(stdout, "WARNING "+c.Warning(r.Source, r.Flow, r.Period))
			}
		}
		if ok {
			checked++
		}
	}
	if len(recs) > 0 {
		fmt.Fprintf(stdout, "reconciliation: %d of %d months within tolerance\n", checked, len(recs))
	}
	for _, b := range backfills {
		done, nf, pending := b.Counts()
		fmt.Fprintf(stdout, "backfill %s %s %s..%s %s: %d/%d done, %d failed, %d pending\n", b.ID, b.Job, b.From, b.To, b.State, done, len(b.Months), nf, pending)
	}
	return nil
}

func counts(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return strings.Join(parts, ", ")
}
