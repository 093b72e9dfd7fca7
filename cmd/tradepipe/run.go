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
	"github.com/spf13/cobra"

	"github.com/tradepipe/tradepipe/compliance"
	"github.com/tradepipe/tradepipe/internal/config"
	"github.com/tradepipe/tradepipe/pipeline"
)

func newRunCmd(g *globals) *cobra.Command {
	var once, plan, asJSON bool
	var only []string
	c := &cobra.Command{
		Use:   "run [--once | --plan] [--job NAME]...",
		Short: "Run the scheduler and the operator API (or each job once)",
		Long: `Run the daemon: the cron scheduler, the operator API, /metrics and the status page
at server.listen. Schedules are in UTC unless they start with CRON_TZ=<zone>.

--once runs each job (or each --job) once for its current window, prints a summary
table and exits: 0 when every partition succeeded, 1 when one failed.
--plan prints what starting the daemon now would fire, with each job's zone.`,
		Example: `  tradepipe run --config examples/tradepipe.yaml
  tradepipe run --once --job census-exports
  tradepipe run --plan`,
		Args: noArgs("run (name jobs with --job)"),
		RunE: func(c *cobra.Command, _ []string) error {
			if once && plan {
				return usageError{"--once and --plan exclude each other"}
			}
			if asJSON && !plan {
				return usageError{"--json goes with --plan"}
			}
			return cmdRun(g, once, plan, asJSON, only)
		},
	}
	f := c.Flags()
	f.BoolVar(&once, "once", false, "run each job once for its current window, print a summary, exit")
	f.BoolVar(&plan, "plan", false, "print what starting the daemon now would fire, and exit")
	f.BoolVar(&asJSON, "json", false, "with --plan: print JSON")
	f.StringArrayVar(&only, "job", nil, "run only job `NAME` (repeatable)")
	_ = c.RegisterFlagCompletionFunc("job", completeJobs(g))
	return c
}

func cmdRun(g *globals, once, plan, asJSON bool, only []string) error {
	ctx := g.ctx
	reg := prometheus.NewRegistry()
	a, err := g.open(reg)
	if err != nil {
		return err
	}
	cfg := a.cfg
	names := cfg.JobNames()
	for _, n := range only {
		if !slices.Contains(names, n) {
			return usageError{fmt.Sprintf("no job %q (jobs: %s)", n, strings.Join(names, ", "))}
		}
	}
	if len(only) > 0 {
		names = only
	}
	exec, err := a.executor(names)
	if err != nil {
		return err
	}
	if plan {
		return printPlan(ctx, exec, asJSON, g.stdout)
	}
	// Every command that writes starts by removing what killed runs left.
	sweepLeftovers(ctx, a)
	if !once {
		g.code, err = daemon(ctx, a, exec, reg)
		return err
	}
	var runs []jobRun
	total := &pipeline.Summary{}
	for _, j := range upstreamFirst(exec.Jobs()) {
		start := time.Now()
		s, err := exec.RunOnce(ctx, j.Name, pipeline.TriggerManual)
		if err != nil {
			return err
		}
		r, err := newJobRun(ctx, a.lake, j.Name, s, time.Since(start))
		if err != nil {
			return err
		}
		runs = append(runs, r)
		total.Add(s.Results...)
	}
	if err := printSummary(g.stdout, runs); err != nil {
		return err
	}
	for _, r := range runs {
		if rep, ok := a.reports.Load(r.name); ok {
			fmt.Fprintln(g.stdout)
			if err := compliance.WriteTracker(g.stdout, rep.(*compliance.Report)); err != nil {
				return err
			}
		}
	}
	if total.Failed() {
		g.code = exitFailed
	}
	return nil
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

// planRow is a plan item with its schedule's zone.
type planRow struct {
	pipeline.PlanItem
	Zone string `json:"zone,omitempty"`
}

func printPlan(ctx context.Context, exec *pipeline.Executor, asJSON bool, w io.Writer) error {
	items, err := pipeline.NewScheduler(exec, nil, nil).Plan(ctx)
	if err != nil {
		return err
	}
	rows := make([]planRow, len(items))
	for i, it := range items {
		rows[i] = planRow{PlanItem: it}
		if it.Schedule != "" {
			rows[i].Zone = config.ScheduleZone(it.Schedule)
		}
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSCHEDULE\tZONE\tLAST TICK\tMISSED\tNEXT RUN\tPLAN")
	for _, it := range rows {
		sched, zone := schedule(it.Schedule, it.After), it.Zone
		if zone == "" {
			zone = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", it.Job, sched, zone, when(it.Watermark), it.Missed, when(it.NextFire), it.Description)
	}
	return tw.Flush()
}

// schedule shows a job's schedule without its CRON_TZ prefix (the zone has
// its own column), or what it runs after.
func schedule(spec string, after []string) string {
	if spec == "" {
		if len(after) > 0 {
			return "after " + strings.Join(after, ", ")
		}
		return "-"
	}
	if strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
		if _, rest, ok := strings.Cut(spec, " "); ok {
			return rest
		}
	}
	return spec
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}

func newIngestCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "ingest JOB FILE...",
		Short: "Push local files through a job's source now",
		Long: `Push local files through a job's source now (an operator's manual drop): each file
is parsed, its rows published to the lake, and a summary printed.`,
		Example: `  tradepipe ingest panjiva examples/panjiva/shipments-2020-03.xlsx`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageError{"ingest needs a job and at least one file"}
			}
			return nil
		},
		ValidArgsFunction: completeJobs(g),
		RunE: func(_ *cobra.Command, args []string) error {
			a, err := g.open(nil)
			if err != nil {
				return err
			}
			job, err := a.job(args[0])
			if err != nil {
				return err
			}
			sweepLeftovers(g.ctx, a)
			exec, err := a.executor(nil)
			if err != nil {
				return err
			}
			start := time.Now()
			s, err := exec.Ingest(g.ctx, job.Name, args[1:])
			if err != nil {
				return err
			}
			r, err := newJobRun(g.ctx, a.lake, job.Name, s, time.Since(start))
			if err != nil {
				return err
			}
			if err := printSummary(g.stdout, []jobRun{r}); err != nil {
				return err
			}
			if s.Failed() {
				g.code = exitFailed
			}
			return nil
		},
	}
}
