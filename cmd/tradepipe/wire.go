package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tradepipe/tradepipe/internal/config"
	"github.com/tradepipe/tradepipe/pipeline"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sources/census"
	"github.com/tradepipe/tradepipe/sources/panjiva"
)

// app is the wired program: config, lake, runner and jobs.
type app struct {
	cfg    *config.Config
	lake   lake.Lake
	runner *pipeline.Runner
	jobs   map[string]*pipeline.Job
	logger *slog.Logger
}

// openers are the lake URL schemes besides file://.
func openers(*config.Config) map[string]lake.Opener { return nil }

func newApp(ctx context.Context, cfg *config.Config, logger *slog.Logger, reg prometheus.Registerer) (*app, error) {
	l, err := lake.Open(ctx, cfg.Lake, openers(cfg))
	if err != nil {
		return nil, fmt.Errorf("open lake: %w", err)
	}
	r, err := pipeline.New(pipeline.Options{Lake: l, SpoolDir: cfg.SpoolDir}, logger, reg)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, lake: l, runner: r, jobs: map[string]*pipeline.Job{}, logger: logger}
	for _, j := range cfg.Jobs.All() {
		job, err := a.buildJob(ctx, j)
		if err != nil {
			return nil, fmt.Errorf("job %s: %w", j.Name, err)
		}
		a.jobs[j.Name] = job
	}
	return a, nil
}

func (a *app) buildJob(ctx context.Context, j *config.Job) (*pipeline.Job, error) {
	switch o := j.Decoded.(type) {
	case *config.CensusOptions:
		key := ""
		if o.APIKeyEnv != "" {
			key = os.Getenv(o.APIKeyEnv)
		}
		src, err := census.New(census.Options{
			Flow: o.Flow, Partner: o.Partner, Level: o.Level, BaseURL: o.BaseURL, APIKey: key,
			Timeout: time.Duration(o.Timeout), MaxAttempts: o.MaxAttempts,
		}, nil, a.logger.With("job", j.Name))
		if err != nil {
			return nil, err
		}
		job := &pipeline.Job{
			Name: j.Name, Source: "census", Parser: src, Fetcher: src,
			InboxExts: []string{"json"}, Window: j.Window, Latest: census.LatestRelease,
		}
		if o.Inbox != "" {
			if job.Inbox, err = lake.Open(ctx, o.Inbox, openers(a.cfg)); err != nil {
				return nil, fmt.Errorf("open inbox: %w", err)
			}
		}
		return job, nil
	case *config.PanjivaOptions:
		src, err := panjiva.New(panjiva.Options{
			Aliases: o.Aliases, CountryAliases: o.CountryAliases, HeaderSearchRows: o.HeaderSearchRows,
			Limits: panjiva.Limits{UnzipSizeLimit: o.UnzipSizeLimit, UnzipXMLSizeLimit: o.UnzipXMLSizeLimit},
		}, a.logger.With("job", j.Name))
		if err != nil {
			return nil, err
		}
		job := &pipeline.Job{
			Name: j.Name, Source: panjiva.Name, Parser: src,
			InboxExts: []string{"xlsx"}, PerDelivery: true,
		}
		if o.Inbox != "" {
			if job.Inbox, err = lake.Open(ctx, o.Inbox, openers(a.cfg)); err != nil {
				return nil, fmt.Errorf("open inbox: %w", err)
			}
		}
		return job, nil
	default:
		return nil, fmt.Errorf("source %q has no runner", j.Source)
	}
}

// job returns the named job or a usage error listing the jobs.
func (a *app) job(name string) (*pipeline.Job, error) {
	j, ok := a.jobs[name]
	if !ok {
		return nil, usageError{fmt.Sprintf("no job %q (jobs: %v)", name, a.cfg.JobNames())}
	}
	return j, nil
}
