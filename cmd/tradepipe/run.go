package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

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
	var only stringList
	f.Var(&only, "job", "run only this job (repeatable)")
	pos, err := f.parse(args)
	if err != nil {
		return 0, err
	}
	if len(pos) > 0 {
		return 0, usageError{"run takes no arguments; name jobs with --job"}
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
	if !*once {
		return daemon(ctx, a, names, reg)
	}
	total := &pipeline.Summary{}
	for _, n := range names {
		if _, ok := a.compliance[n]; ok {
			continue // computed below, after the ingest jobs
		}
		s := a.runner.RunOnce(ctx, a.jobs[n])
		fmt.Fprintf(stdout, "job %s: ", n)
		s.Print(stdout)
		total.Add(s.Results...)
	}
	for _, n := range names {
		if o, ok := a.compliance[n]; ok {
			s := a.runCompliance(ctx, n, o)
			fmt.Fprintf(stdout, "job %s: ", n)
			s.Print(stdout)
			total.Add(s.Results...)
		}
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
	s := a.runner.Ingest(ctx, job, pos[1:])
	fmt.Fprintf(stdout, "job %s: ", job.Name)
	s.Print(stdout)
	if s.Failed() {
		return exitFailed, nil
	}
	return exitOK, nil
}
