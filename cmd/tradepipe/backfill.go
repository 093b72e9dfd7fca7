package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/pipeline"
)

type backfillFlags struct {
	from, to, retry, resume string
	shard, name             string
	parallel, shards        int
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
failed months re-run with --retry-failed ID.

Across machines, N processes each run a share of the months: --shard I/N (I
from 0), or --shards N with I from $JOB_COMPLETION_INDEX (a Kubernetes Indexed
Job, see deploy/kubernetes/backfill-job.yaml). Month k of the range goes to
shard k mod N. A shard's backfill id is derived from the job, the range (or
--name) and the shard, so running the same shard again (a restarted pod, a
re-run after a kill) continues it: its failed and unfinished months run, the
months done are not fetched again.`,
		Example: `  tradepipe backfill census-exports --from 2017-01 --to 2017-12 --parallel 2
  tradepipe backfill census-exports --from 2017-01 --to 2017-12 --dry-run
  tradepipe backfill --retry-failed bf-20260101T000000Z-1
  tradepipe backfill census-exports --from 2010-01 --to 2019-12 --shard 0/3
  JOB_COMPLETION_INDEX=2 tradepipe backfill census-exports --from 2010-01 --to 2019-12 --shards 3`,
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
	f.StringVar(&bf.shard, "shard", "", "run shard `I/N` of the months (I from 0)")
	f.IntVar(&bf.shards, "shards", 0, "run one of `N` shards, the one $JOB_COMPLETION_INDEX names")
	f.StringVar(&bf.name, "name", "", "name a sharded backfill (e.g. the Kubernetes Job's), in place of job and range")
	c.MarkFlagsMutuallyExclusive("retry-failed", "resume")
	c.MarkFlagsMutuallyExclusive("shard", "shards")
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
		shard, err := bf.shardOf(os.LookupEnv)
		if err != nil {
			return err
		}
		req := pipeline.BackfillRequest{Job: pos[0], From: fm, To: tm, Parallel: bf.parallel, Force: bf.force, Shard: shard, Name: bf.name}
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
	if b.Shard.Sharded() {
		fmt.Fprintf(stdout, "backfill %s: job %s, %s..%s, shard %s (%d months), parallel %d\n", b.ID, b.Job, b.From, b.To, b.Shard, len(b.Months), b.Parallel)
	} else {
		fmt.Fprintf(stdout, "backfill %s: job %s, %s..%s, parallel %d\n", b.ID, b.Job, b.From, b.To, b.Parallel)
	}
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

// shardOf reads the shard from --shard I/N, or from --shards N and the
// index Kubernetes gives each pod of an Indexed Job.
func (bf backfillFlags) shardOf(lookup func(string) (string, bool)) (pipeline.Shard, error) {
	switch {
	case bf.shard != "":
		s, err := pipeline.ParseShard(bf.shard)
		if err != nil {
			return s, usageError{"--shard: " + err.Error()}
		}
		return s, nil
	case bf.shards != 0:
		v, ok := lookup("JOB_COMPLETION_INDEX")
		if !ok {
			return pipeline.Shard{}, usageError{"--shards N takes the shard index from JOB_COMPLETION_INDEX, which is not set (outside an Indexed Job use --shard I/N)"}
		}
		i, err := strconv.Atoi(v)
		if err != nil {
			return pipeline.Shard{}, usageError{fmt.Sprintf("JOB_COMPLETION_INDEX %q is not a number", v)}
		}
		s := pipeline.Shard{Index: i, Count: bf.shards}
		if err := s.Valid(); err != nil {
			return s, usageError{"--shards with JOB_COMPLETION_INDEX: " + err.Error()}
		}
		return s, nil
	case bf.name != "":
		return pipeline.Shard{}, usageError{"--name names a sharded backfill: give --shard or --shards too"}
	}
	return pipeline.Shard{}, nil
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
