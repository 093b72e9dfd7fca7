package main

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/pipeline"
)

type backfillFlags struct {
	from, to, retry, resume string
	parallel                int
	force, dry              bool
}

func newBackfillCmd(g *globals) *cobra.Command {
	var bf backfillFlags
	c := &cobra.Command{
		Use:   "backfill JOB --from YYYY-MM --to YYYY-MM | --retry-failed ID | --resume ID",
		Short: "Run a job for every month in a range",
		Long: `Run a job for every month from --from to --to. By default only months that are
missing, failed, or whose source changed run; --force redoes all; --dry-run lists
what would run. A progress bar shows on a terminal, progress log lines otherwise.

A backfill that stopped (crash, restart, cancel) resumes with --resume ID; its
failed months re-run with --retry-failed ID.`,
		Example: `  tradepipe backfill census-exports --from 2017-01 --to 2017-12 --parallel 2
  tradepipe backfill census-exports --from 2017-01 --to 2017-12 --dry-run
  tradepipe backfill --retry-failed bf-20260101T000000Z-1`,
		ValidArgsFunction: completeJobs(g),
		RunE: func(_ *cobra.Command, args []string) error {
			return cmdBackfill(g, bf, args)
		},
	}
	f := c.Flags()
	f.StringVar(&bf.from, "from", "", "first month, `YYYY-MM`")
	f.StringVar(&bf.to, "to", "", "last month, `YYYY-MM`")
	f.IntVar(&bf.parallel, "parallel", 1, "run `N` months at once")
	f.BoolVar(&bf.force, "force", false, "also redo months already succeeded or unchanged")
	f.BoolVar(&bf.dry, "dry-run", false, "list the months that would run, run nothing")
	f.StringVar(&bf.retry, "retry-failed", "", "re-run the failed months of backfill `ID`")
	f.StringVar(&bf.resume, "resume", "", "resume backfill `ID` (after a crash, restart or cancel)")
	c.MarkFlagsMutuallyExclusive("retry-failed", "resume")
	return c
}

func cmdBackfill(g *globals, bf backfillFlags, pos []string) error {
	ctx, stdout := g.ctx, g.stdout
	a, err := g.open(nil)
	if err != nil {
		return err
	}
	logger := a.logger
	exec, err := a.executor(nil)
	if err != nil {
		return err
	}
	var b *pipeline.Backfill
	switch {
	case bf.retry != "" || bf.resume != "":
		if len(pos) > 0 || bf.from != "" || bf.to != "" {
			return usageError{"--retry-failed and --resume take a backfill id only"}
		}
		if bf.retry != "" {
			b, err = exec.RetryFailed(ctx, bf.retry)
		} else {
			b, err = exec.ResumeBackfill(ctx, bf.resume)
		}
		if err != nil {
			return err
		}
	default:
		if len(pos) != 1 {
			return usageError{"backfill needs one job: backfill JOB --from YYYY-MM --to YYYY-MM"}
		}
		if _, err := a.job(pos[0]); err != nil {
			return err
		}
		fm, err1 := civil.ParseMonth(bf.from)
		tm, err2 := civil.ParseMonth(bf.to)
		if err := errors.Join(err1, err2); err != nil {
			return usageError{err.Error()}
		}
		req := pipeline.BackfillRequest{Job: pos[0], From: fm, To: tm, Parallel: bf.parallel, Force: bf.force}
		if bf.dry {
			plan, err := exec.PlanBackfill(ctx, req)
			if err != nil {
				return badRequest(err)
			}
			for _, m := range plan.Months {
				fmt.Fprintf(stdout, "%s %s\n", m.Month, map[string]string{pipeline.MonthPending: "would run", pipeline.MonthSkipped: "skipped (done; --force redoes it)"}[m.Status])
			}
			_, _, pending := plan.Counts()
			fmt.Fprintf(stdout, "%d of %d months would run\n", pending, len(plan.Months))
			return nil
		}
		if b, err = exec.CreateBackfill(ctx, req); err != nil {
			return badRequest(err)
		}
	}
	sweepLeftovers(ctx, a)
	fmt.Fprintf(stdout, "backfill %s: job %s, %s..%s, parallel %d\n", b.ID, b.Job, b.From, b.To, b.Parallel)
	progress, stop := g.progressFor(b, logger)
	b, err = exec.RunBackfill(ctx, b.ID, progress)
	stop()
	if b != nil {
		done, failed, pending := b.Counts()
		var rows int64
		for _, m := range b.Months {
			rows += m.Rows
		}
		fmt.Fprintf(stdout, "backfill %s %s: %d months done (%d failed), %d pending, %d rows\n", b.ID, b.State, done, failed, pending, rows)
		for _, m := range b.Months {
			if m.Status == pipeline.LedgerFailed {
				fmt.Fprintf(stdout, "FAILED %s: %s\n", m.Month, m.Error)
			}
		}
		if failed > 0 {
			fmt.Fprintf(stdout, "re-run the failed months: tradepipe backfill --retry-failed %s\n", b.ID)
		}
		if pending > 0 {
			fmt.Fprintf(stdout, "resume: tradepipe backfill --resume %s\n", b.ID)
		}
		if failed > 0 || pending > 0 {
			g.code = exitFailed
			return nil
		}
	}
	return err
}

func badRequest(err error) error {
	if errors.Is(err, pipeline.ErrBadRequest) {
		return usageError{err.Error()}
	}
	return err
}

// progressFor shows a progress bar on a terminal (months done/total, rows,
// ETA) that logs never overwrite, and logs a progress line per month
// otherwise. stop removes the bar.
func (g *globals) progressFor(b *pipeline.Backfill, logger *slog.Logger) (progress pipeline.Progress, stop func()) {
	total := len(b.Months)
	if g.console != nil {
		stop := g.console.startBar(total, "months")
		return func(b *pipeline.Backfill) {
			g.console.withBar(func(bar *progressbar.ProgressBar) {
				done, failed, _ := b.Counts()
				bar.Describe(fmt.Sprintf("months (%d rows, %d failed)", rows(b), failed))
				_ = bar.Set(done)
			})
		}, stop
	}
	start := time.Now()
	return func(b *pipeline.Backfill) {
		done, failed, pending := b.Counts()
		var eta time.Duration
		if started := done - skipped(b); started > 0 && pending > 0 {
			eta = (time.Since(start) / time.Duration(started) * time.Duration(pending)).Round(time.Second)
		}
		logger.Info("backfill progress", "id", b.ID, "done", done, "total", total, "failed", failed, "rows", rows(b), "eta", eta)
	}, func() {}
}

func rows(b *pipeline.Backfill) int64 {
	var n int64
	for _, m := range b.Months {
		n += m.Rows
	}
	return n
}

func skipped(b *pipeline.Backfill) int {
	n := 0
	for _, m := range b.Months {
		if m.Status == pipeline.MonthSkipped {
			n++
		}
	}
	return n
}
