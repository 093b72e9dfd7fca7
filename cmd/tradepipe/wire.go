package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/tradepipe/tradepipe/compliance"
	"github.com/tradepipe/tradepipe/internal/buildinfo"
	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/config"
	"github.com/tradepipe/tradepipe/internal/gctune"
	"github.com/tradepipe/tradepipe/internal/lineage"
	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/redact"
	"github.com/tradepipe/tradepipe/pipeline"
	"github.com/tradepipe/tradepipe/pipeline/state"
	"github.com/tradepipe/tradepipe/sinks/iceberg"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/lease"
	"github.com/tradepipe/tradepipe/sinks/s3lake"
	"github.com/tradepipe/tradepipe/sources/census"
	"github.com/tradepipe/tradepipe/sources/gacc"
	"github.com/tradepipe/tradepipe/sources/panjiva"
)

// app is the wired program: config, lake, runner and jobs.
type app struct {
	cfg    *config.Config
	lake   lake.Lake
	runner *pipeline.Runner
	jobs   map[string]*pipeline.Job
	// compliance jobs are computed from the lake, not read from a source.
	compliance map[string]*config.ComplianceOptions
	// reports holds each compliance job's last report (job name →
	// *compliance.Report), which run --once prints as the tracker.
	reports sync.Map
	logger  *slog.Logger
	reg     prometheus.Registerer
}

// openers are the lake URL schemes besides file://.
func openers(cfg *config.Config) map[string]lake.Opener {
	return map[string]lake.Opener{"s3": s3lake.Opener(s3lake.Options{
		Region: cfg.S3.Region, Endpoint: cfg.S3.Endpoint, PathStyle: cfg.S3.PathStyle,
	}, nil)}
}

// locker is the cross-process partition lease when the lake can write
// conditionally (file:// and s3:// both can); nil leaves the runner's
// in-process lock.
func locker(l lake.Lake, logger *slog.Logger) (pipeline.Locker, error) {
	c, ok := l.(lake.Conditional)
	if !ok {
		return nil, nil
	}
	return lease.New(lease.Options{Lake: c}, logger)
}

// icebergWriter keeps the lake's Iceberg tables, unless the config turns
// them off or the lake cannot write conditionally (its commits need it).
func icebergWriter(cfg *config.Config, l lake.Lake) *iceberg.Writer {
	c, ok := l.(lake.Conditional)
	if cfg.Iceberg.Disabled || !ok {
		return nil
	}
	w := &iceberg.Writer{Lake: c, Base: cfg.Iceberg.Location, Checkpoint: state.IcebergCheckpointKey}
	if ex := cfg.Iceberg.Expire; !ex.Disabled {
		w.Expire = &iceberg.Expire{
			MaxSnapshotAge:      time.Duration(ex.MaxSnapshotAge),
			MinSnapshotsToKeep:  ex.MinSnapshotsToKeep,
			PreviousVersionsMax: ex.PreviousVersionsMax,
			DeleteAfterCommit:   ex.DeleteAfterCommit,
		}
	}
	return w
}

// newApp wires the program; tr may be nil (no tracing).
// open loads the config and opens the app with the command's logger and
// tracer: what every command that touches the lake starts with. reg may
// be nil (no metrics).
func (g *globals) open(reg prometheus.Registerer) (*app, error) {
	cfg, err := loadConfig(g.config)
	if err != nil {
		return nil, err
	}
	if cfg.MemoryLimit > 0 {
		// The process's, so set here, where a command starts, not in
		// newApp, which tests call many times in one process.
		debug.SetMemoryLimit(cfg.MemoryLimit)
	}
	if g.gc == nil {
		// Like the memory limit, the process's: one tuner a command,
		// stopped with it (run's closers).
		if g.gc = gctune.Start(uint64(cfg.GCHeadroom)); g.gc != nil {
			g.closers = append(g.closers, g.gc.Stop)
		}
	}
	logger, err := g.logger()
	if err != nil {
		return nil, err
	}
	tr, err := g.tracer()
	if err != nil {
		return nil, err
	}
	return newApp(g.ctx, cfg, logger, reg, tr)
}

func newApp(ctx context.Context, cfg *config.Config, logger *slog.Logger, reg prometheus.Registerer, tr trace.Tracer) (*app, error) {
	l, err := lake.Open(ctx, cfg.Lake, openers(cfg))
	if err != nil {
		return nil, fmt.Errorf("open lake: %w", err)
	}
	lk, err := locker(l, logger)
	if err != nil {
		return nil, err
	}
	lin, err := lineageEmitter(cfg, l)
	if err != nil {
		return nil, err
	}
	opts := pipeline.Options{Lake: l, SpoolDir: cfg.SpoolDir, Locker: lk, Tracer: tr, Redactor: processRedactor(cfg), Lineage: lin}
	if w := icebergWriter(cfg, l); w != nil {
		opts.Tables = w
	}
	r, err := pipeline.New(opts, logger, reg)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, lake: l, runner: r, jobs: map[string]*pipeline.Job{}, compliance: map[string]*config.ComplianceOptions{}, logger: logger, reg: reg}
	for _, j := range cfg.Jobs.All() {
		if o, ok := j.Decoded.(*config.ComplianceOptions); ok {
			a.compliance[j.Name] = o
			name := j.Name
			// The package names the job in its own log lines.
			cj := compliance.NewJob(name, l, cfg.SpoolDir, logger)
			cj.Options, cj.Bases = complianceOptions(o)
			cj.OnReport = func(rep *compliance.Report) { a.reports.Store(name, rep) }
			job := &pipeline.Job{Name: name, Source: "compliance", Policy: policy(j), Derive: cj}
			a.jobs[name] = job
			continue
		}
		job, err := a.buildJob(ctx, j)
		if err != nil {
			return nil, fmt.Errorf("job %s: %w", j.Name, err)
		}
		job.Policy = policy(j)
		if j.ReleaseDate != "" {
			job.ReleaseDate, _ = civil.ParseDate(j.ReleaseDate) // Validate has checked it
		}
		a.jobs[j.Name] = job
	}
	return a, nil
}

// policy is a job's scheduling policy from its config.
func policy(j *config.Job) pipeline.Policy {
	p := pipeline.Policy{
		Spec: j.Schedule, CatchupWindow: time.Duration(j.CatchupWindow), Overlap: j.Overlap,
		Jitter: time.Duration(j.Jitter), MaxAttempts: j.MaxAttempts, RetryBackoff: time.Duration(j.RetryBackoff),
		After: j.After, RateLimit: j.RateLimit,
	}
	if j.Schedule != "" {
		if s, err := config.ParseSchedule(j.Schedule); err == nil { // Validate has checked it
			p.Schedule = pipeline.WallClock(s)
		}
	}
	return p
}

// executor returns an executor over the named jobs (all when names is
// empty), in config order.
func (a *app) executor(names []string) (*pipeline.Executor, error) {
	var jobs []*pipeline.Job
	for _, n := range a.cfg.JobNames() {
		if len(names) == 0 || slices.Contains(names, n) {
			jobs = append(jobs, a.jobs[n])
		}
	}
	return pipeline.NewExecutor(a.runner, jobs, nil, a.logger, a.reg)
}

func (a *app) buildJob(ctx context.Context, j *config.Job) (*pipeline.Job, error) {
	switch o := j.Decoded.(type) {
	case *config.CensusOptions:
		key := ""
		if o.APIKeyEnv != "" {
			key = os.Getenv(o.APIKeyEnv)
		}
		src, err := census.New(census.Options{
			Flow: o.Flow, Partner: o.Partner, Partners: o.Partners.Codes, AllPartners: o.Partners.All, Level: o.Level, Detail: o.HS10Detail, BaseURL: o.BaseURL, APIKey: key,
			Timeout: time.Duration(o.Timeout), MaxAttempts: o.MaxAttempts,
		}, nil, a.logger.With("job", j.Name))
		if err != nil {
			return nil, err
		}
		job := &pipeline.Job{
			Name: j.Name, Source: "census", Parser: src, Fetcher: src, FileGroup: src.FileGroup(),
			InboxExts: []string{"json", "gz"}, Window: j.Window, Latest: census.LatestRelease,
		}
		if o.Inbox != "" {
			if job.Inbox, err = lake.Open(ctx, o.Inbox, openers(a.cfg)); err != nil {
				return nil, fmt.Errorf("open inbox: %w", err)
			}
		}
		return job, nil
	case *config.GACCOptions:
		rates := map[civil.Month]apd.Decimal{}
		for k, v := range o.RMBPerUSD {
			m, err := civil.ParseMonth(k) // validated with the config
			if err != nil {
				return nil, err
			}
			rates[m] = v.Decimal
		}
		src, err := gacc.New(gacc.Options{
			Flow: o.Flow, BaseURL: o.BaseURL, Timeout: time.Duration(o.Timeout), MaxAttempts: o.MaxAttempts, RMBPerUSD: rates,
		}, nil, a.logger.With("job", j.Name))
		if err != nil {
			return nil, err
		}
		job := &pipeline.Job{
			Name: j.Name, Source: gacc.Name, Parser: src,
			// xls too: some downloads are HTML tables named .xls; a real
			// legacy workbook then fails with a clear error and moves to
			// failed/ instead of lying in the inbox unnoticed.
			InboxExts: []string{"csv", "xlsx", "xls", "html", "htm", "gz"}, Window: j.Window,
		}
		if o.BaseURL != "" {
			job.Fetcher, job.Latest = src, gacc.LatestRelease
		}
		if o.ReconcileTolerance != "" {
			tol := money.MustParse(o.ReconcileTolerance) // Validate has checked it
			job.ReconcileTolerance = &tol
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
		return nil, usageError{fmt.Sprintf("no job %q (jobs: %s)", name, strings.Join(a.cfg.JobNames(), ", "))}
	}
	return j, nil
}

// lineageEmitter sends OpenLineage events where the config's lineage
// section says; nil when it says nowhere.
func lineageEmitter(cfg *config.Config, l lake.Lake) (*lineage.Emitter, error) {
	if !cfg.Lineage.Enabled() {
		return nil, nil
	}
	return lineage.New(lineage.Options{
		Builder: lineage.Builder{
			Namespace: cfg.Lineage.Namespace,
			Producer:  "https://github.com/tradepipe/tradepipe/tree/" + url.PathEscape(buildinfo.Version()),
			Lake:      l.URL(),
		},
		URL:  cfg.Lineage.URL,
		File: cfg.Lineage.File,
	})
}

// processRedactor knows every secret the process holds: the environment's
// (names with KEY, TOKEN, SECRET, …) and the values of the variables the
// config names for API keys and the operator token, whatever they are
// called.
func processRedactor(cfg *config.Config) *redact.Redactor {
	r := redact.New(redact.EnvSecrets(os.Environ())...)
	if cfg.Server.TokenEnv != "" {
		r.Add(os.Getenv(cfg.Server.TokenEnv))
	}
	for _, j := range cfg.Jobs.All() {
		if o, ok := j.Decoded.(*config.CensusOptions); ok && o.APIKeyEnv != "" {
			r.Add(os.Getenv(o.APIKeyEnv))
		}
	}
	return r
}
