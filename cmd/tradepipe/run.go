package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tradepipe/tradepipe/pipeline"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	f := newFlags("run", stderr)
	once := f.Bool("once", false, "run each job once for its current window, then exit")
	plan := f.Bool("plan", false, "print what starting the daemon now would fire, and exit")
	asJSON := f.Bool("json", false, "with --plan: print JSON")
	var only stringList
	f.Var(&only, "job", "run only this job (repeatable)")
	pos, err := f.parse(args)
	if err != nil {
		return 0, err
	}
	if len(pos) > 0 {
		return 0, usageError{"run takes no arguments; name jobs with --job"}
	}
	if *once && *plan {
		return 0, usageError{"--once and --plan exclude each other"}
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return 0, err
	}
	logger := newLogger(stderr)
	reg := prometheus.NewRegistry()
	a, err := newApp(ctx, cfg, logger, reg)
	if err != nil {
		return 0, err
	}
	names := cfg.JobNames()
	for _, n := range only {
		if !slices.Contains(names, n) {
			return 0, usageError{fmt.Sprintf("no job %q (jobs: %v)", n, names)}
		}
	}
	if len(only) > 0 {
		names = only
	}
	exec, err := a.executor(names)
	if err != nil {
		return 0, err
	}
	switch {
	case *plan:
		return printPlan(ctx, exec, *asJSON, stdout)
	case !*once:
		return daemon(ctx, a, exec, reg)
	}
	total := &pipeline.Summary{}
	for _, j := range upstreamFirst(exec.Jobs()) {
		s, err := exec.RunOnce(ctx, j.Name, pipeline.TriggerManual)
		if err != nil {
			return 0, err
		}
		fmt.Fprintf(stdout, "job %s: ", j.Name)
		s.Print(stdout)
		total.Add(s.Results...)
	}
	if len(names) > 1 {
		fmt.Fprint(stdout, "total: ")
		total.Print(stdout)
	}
	if total.Failed() {
		return exitFailed, nil
	}
	return exitOK, nil
}

// upstreamFirst orders jobs so that each runs after the jobs in its
// after: list (Validate rejects cycles), keeping config order otherwise.
func upstreamFirst(jobs []*pipeline.Job) []*pipeline.Job {
	done := map[string]bool{}
	in := map[string]bool{}
	for _, j := range jobs {
		in[j.Name] = true
	}
	var out []*pipeline.Job
	for len(out) < len(jobs) {
		progressed := false
		for _, j := range jobs {
			if done[j.Name] {
				continue
			}
			ready := true
			for _, u := range j.Policy.After {
				if in[u] && !done[u] {
					ready = false
				}
			}
			if ready {
				done[j.Name] = true
				out = append(out, j)
				progressed = true
			}
		}
		if !progressed { // a cycle: cannot happen after Validate
			return jobs
		}
	}
	return out
}

func printPlan(ctx context.Context, exec *pipeline.Executor, asJSON bool, w io.Writer) (int, error) {
	items, err := pipeline.NewScheduler(exec, nil, nil).Plan(ctx)
	if err != nil {
		return 0, err
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return exitOK, enc.Encode(items)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSCHEDULE\tLAST TICK\tMISSED\tNEXT RUN\tPLAN")
	for _, it := range items {
		sched := it.Schedule
		if sched == "" {
			sched = "-"
			if len(it.After) > 0 {
				sched = "after " + strings.Join(it.After, ",")
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", it.Job, sched, when(it.Watermark), it.Missed, when(it.NextFire), it.Description)
	}
	return exitOK, tw.Flush()
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}

func cmdIngest(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	f := newFlags("ingest", stderr)
	pos, err := f.parse(args)
	if err != nil {
		return 0, err
	}
	if len(pos) < 2 {
		return 0, usageError{"ingest needs a job and at least one file"}
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return 0, err
	}
	a, err := newApp(ctx, cfg, newLogger(stderr), nil)
	if err != nil {
		return 0, err
	}
	job, err := a.job(pos[0])
	if err != nil {
		return 0, err
	}
	exec, err := a.executor(nil)
	if err != nil {
		return 0, err
	}
	s, err := exec.Ingest(ctx, job.Name, pos[1:])
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(stdout, "job %s: ", job.Name)
	s.Print(stdout)
	if s.Failed() {
		return exitFailed, nil
	}
	return exitOK, nil
}
