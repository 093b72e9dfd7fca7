package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tradepipe/tradepipe/internal/server"
	"github.com/tradepipe/tradepipe/pipeline"
)

// daemon runs the scheduler and the operator API until ctx is done (the
// first SIGINT/SIGTERM). It then stops new ticks at once, gives running
// partitions server.shutdown_grace to finish, cancels what is left (those
// months are recorded as interrupted and resumed at the next start) and
// returns. main exits at once on a second signal.
func daemon(ctx context.Context, a *app, exec *pipeline.Executor, reg *prometheus.Registry) (int, error) {
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	sched := pipeline.NewScheduler(exec, nil, a.logger)
	token := ""
	if a.cfg.Server.TokenEnv != "" {
		token = os.Getenv(a.cfg.Server.TokenEnv)
	}
	loopback := server.IsLoopback(a.cfg.Server.Listen)
	if token == "" && !loopback {
		a.logger.Warn("no API token set: mutating API calls are refused on a non-loopback listener", "token_env", a.cfg.Server.TokenEnv)
	}
	page := server.PageSources{
		Reconciliation: func(ctx context.Context) ([]pipeline.ReconcileRecord, error) {
			return pipeline.ReconcileRecords(ctx, a.lake)
		},
		ComplianceChart: a.complianceChart,
		Version:         versionString(),
	}
	// /metrics carries the counts status shows, read from the lake.
	if err := reg.Register(server.NewJobsCollector(exec)); err != nil {
		return 0, err
	}
	srv := server.New(server.Options{Token: token, Loopback: loopback, AllowedHosts: a.cfg.Server.AllowedHosts, TrustedOrigins: a.cfg.Server.TrustedOrigins, Page: page}, work, exec, sched, reg, a.logger)
	ln, err := net.Listen("tcp", a.cfg.Server.Listen)
	if err != nil {
		return 0, fmt.Errorf("%w: listen %s: %w", errConfig, a.cfg.Server.Listen, err)
	}
	a.logger.Info("operator API listening", "addr", ln.Addr().String())
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ctx, ln) }()

	if err := sched.Run(ctx, work); err != nil {
		return 0, err
	}
	grace := time.Duration(a.cfg.Server.ShutdownGrace)
	a.logger.Info("stopping: no new ticks; waiting for running partitions", "grace", grace)
	done := make(chan struct{})
	go func() {
		sched.Wait()
		srv.Wait()
		close(done)
	}()
	code := exitOK
	select {
	case <-done:
	case <-time.After(grace):
		a.logger.Warn("grace period over: cancelling running partitions; they resume at the next start")
		cancelWork()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			a.logger.Error("runs did not stop after cancellation")
			code = exitFailed
		}
	}
	if err := <-serveErr; err != nil {
		a.logger.Error("operator API", "err", err)
	}
	return code, nil
}
