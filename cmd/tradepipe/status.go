package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tradepipe/tradepipe/internal/server"
	"github.com/tradepipe/tradepipe/pipeline"
)

func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	f := newFlags("status", stderr)
	asJSON := f.Bool("json", false, "print JSON")
	pos, err := f.parse(args)
	if err != nil {
		return 0, err
	}
	if len(pos) > 0 {
		return 0, usageError{"status takes no arguments"}
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return 0, err
	}
	a, err := newApp(ctx, cfg, newLogger(stderr), nil)
	if err != nil {
		return 0, err
	}
	exec, err := a.executor(nil)
	if err != nil {
		return 0, err
	}
	jobs, err := server.Jobs(ctx, exec, time.Now())
	if err != nil {
		return 0, err
	}
	backfills, err := exec.Ledger().Backfills(ctx)
	if err != nil {
		return 0, err
	}
	recs, err := pipeline.ReconcileRecords(ctx, a.lake)
	if err != nil {
		return 0, err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return exitOK, enc.Encode(map[string]any{"jobs": jobs, "backfills": backfills, "reconciliation": recs})
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSOURCE\tSCHEDULE\tNEXT RUN\tLAST RUN\tPARTITIONS\tROWS\tQUARANTINED")
	for _, j := range jobs {
		last := "-"
		if j.LastRun != nil {
			m := j.LastRun.Month.String()
			if j.LastRun.Month.IsZero() {
				m = "all" // a derived dataset
			}
			last = fmt.Sprintf("%s %s (%s, %s)", m, j.LastRun.Status, j.LastRun.Trigger, when(j.LastRun.FinishedAt))
		}
		sched := j.Schedule
		if sched == "" {
			sched = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", j.Name, j.Source, sched, when(j.NextRun), last, counts(j.Counts), j.Rows, j.Quarant)
	}
	if err := tw.Flush(); err != nil {
		return 0, err
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
	return exitOK, nil
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
