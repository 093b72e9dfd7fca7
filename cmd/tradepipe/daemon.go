package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/tradepipe/tradepipe/internal/config"
)

// shutdownGrace bounds how long running jobs may take to finish after a
// signal; their contexts are already cancelled, so publishes stop at the
// next lake call and leave the previous version in place.
const shutdownGrace = 30 * time.Second

// daemon runs the named jobs on their schedules until ctx is done. A tick
// that comes while the same job still runs is skipped.
func daemon(ctx context.Context, a *app, names []string, _ prometheus.Registerer) (int, error) {
	c := cron.New(cron.WithLocation(time.UTC), cron.WithChain(cron.SkipIfStillRunning(cronLogger{a})))
	scheduled := 0
	for _, n := range names {
		j := a.cfg.Jobs.Get(n)
		if j.Schedule == "" {
			continue
		}
		sched, err := config.ParseSchedule(j.Schedule)
		if err != nil {
			return 0, err // Validate has checked it; unreachable in practice
		}
		job := a.jobs[n]
		c.Schedule(sched, cron.FuncJob(func() {
			s := a.runner.RunOnce(ctx, job)
			rows, q := s.Rows()
			a.logger.Info("run finished", "job", n, "written", s.Count("written"), "unchanged", s.Count("unchanged"),
				"failed", s.Count("failed"), "rows", rows, "quarantined", q)
		}))
		a.logger.Info("scheduled", "job", n, "schedule", j.Schedule, "next", sched.Next(time.Now()))
		scheduled++
	}
	if scheduled == 0 {
		a.logger.Warn("no job has a schedule; nothing to do until stopped")
	}
	c.Start()
	<-ctx.Done()
	a.logger.Info("stopping: waiting for running jobs", "grace", shutdownGrace)
	done := c.Stop()
	select {
	case <-done.Done():
	case <-time.After(shutdownGrace):
		a.logger.Warn("running jobs did not stop within the grace period")
		return exitFailed, nil
	}
	return exitOK, nil
}

// cronLogger adapts slog to cron.Logger.
type cronLogger struct{ a *app }

func (l cronLogger) Info(msg string, kv ...any) { l.a.logger.Info("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.a.logger.Error("cron: "+msg, append(kv, "err", err)...)
}
