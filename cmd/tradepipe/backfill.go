package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/pipeline"
)

func cmdBackfill(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	f := newFlags("backfill", stderr)
	from := f.String("from", "", "first month, YYYY-MM")
	to := f.String("to", "", "last month, YYYY-MM")
	parallel := f.Int("parallel", 1, "months run at once")
	force := f.Bool("force", false, "also redo months already succeeded or unchanged")
	dry := f.Bool("dry-run", false, "list the months that would run, run nothing")
	retry := f.String("retry-failed", "", "re-run the failed months of backfill ID")
	resume := f.String("resume", "", "resume backfill ID (after a crash, restart or cancel)")
	pos, err := f.parse(args)
	if err != nil {
		return 0, err
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return 0, err
	}
	logger := newLogger(stderr)
	a, err := newApp(ctx, cfg, logger, nil)
	if err != nil {
		return 0, err
	}
	exec, err := a.executor(nil)
	if err != nil {
		return 0, err
	}
	var b *pipeline.Backfill
	switch {
	case *retry != "" || *resume != "":
		if len(pos) > 0 || *from != "" || *to != "" {
			return 0, usageError{"--retry-failed and --resume take a backfill id only"}
		}
		if *retry != "" {
			b, err = exec.RetryFailed(ctx, *retry)
		} else {
			b, err = exec.ResumeBackfill(ctx, *resume)
		}
		if err != nil {
			return 0, err
		}
	default:
		if len(pos) != 1 {
			return 0, usageError{"backfill needs one job: backfill JOB --from YYYY-MM --to YYYY-MM"}
		}
		fm, err1 := civil.ParseMonth(*from)
		tm, err2 := civil.ParseMonth(*to)
		if err := errors.Join(err1, err2); err != nil {
			return 0, usageError{err.Error()}
		}
		req := pipeline.BackfillRequest{Job: pos[0], From: fm, To: tm, Parallel: *parallel, Force: *force}
		if *dry {
			plan, err := exec.PlanBackfill(ctx, req)
			if err != nil {
				return 0, badRequest(err)
			}
			for _, m := range plan.Months {
				fmt.Fprintf(stdout, "%s %s\n", m.Month, map[string]string{pipeline.MonthPending: "would run", pipeline.MonthSkipped: "skipped (done; --force redoes it)"}[m.Status])
			}
			_, _, pending := plan.Counts()
			fmt.Fprintf(stdout, "%d of %d months would run\n", pending, len(plan.Months))
			return exitOK, nil
		}
		if b, err = exec.CreateBackfill(ctx, req); err != nil {
			return 0, badRequest(err)
		}
	}
	fmt.Fprintf(stdout, "backfill %s: job %s, %s..%s, parallel %d\n", b.ID, b.Job, b.From, b.To, b.Parallel)
	b, err = exec.RunBackfill(ctx, b.ID, progressFor(b, stderr, logger))
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
			return exitFailed, nil
		}
	}
	if err != nil {
		return 0, err
	}
	return exitOK, nil
}

func badRequest(err error) error {
	if errors.Is(err, pipeline.ErrBadRequest) {
		return usageError{err.Error()}
	}
	return err
}

// progressFor shows a progress bar on a terminal (months done/total, rows,
// ETA) and logs a progress line per month otherwise.
func progressFor(b *pipeline.Backfill, stderr io.Writer, logger *slog.Logger) pipeline.Progress {
	total := len(b.Months)
	if f, ok := stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			bar := progressbar.NewOptions(total,
				progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription("months"),
				progressbar.OptionShowCount(),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionFullWidth(),
				progressbar.OptionClearOnFinish(),
			)
			return func(b *pipeline.Backfill) {
				done, failed, _ := b.Counts()
				bar.Describe(fmt.Sprintf("months (%d rows, %d failed)", rows(b), failed))
				_ = bar.Set(done)
			}
		}
	}
	start := time.Now()
	return func(b *pipeline.Backfill) {
		done, failed, pending := b.Counts()
		eta := "-"
		if started := done - skipped(b); started > 0 && pending > 0 {
			eta = (time.Since(start) / time.Duration(started) * time.Duration(pending)).Round(time.Second).String()
		}
		logger.Info("backfill progress", "id", b.ID, "done", done, "total", total, "failed", failed, "rows", rows(b), "eta", eta)
	}
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
