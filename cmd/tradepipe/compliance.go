package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/compliance"
	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/config"
	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/pipeline"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

// complianceOptions turns a compliance job's config into the package's
// options and bases.
func complianceOptions(o *config.ComplianceOptions) (compliance.Options, []reference.Basis) {
	billion := *apd.New(1, 9)
	out := compliance.Options{Baseline: o.Baseline, Proration: o.Proration, Definition: reference.Definition(o.Definition)}
	if o.Services.Baseline2017 != nil {
		b := money.Mul(o.Services.Baseline2017.Decimal, billion)
		out.Services.Baseline2017USD = &b
		out.Services.BaselineSource = "config"
		if o.Services.Baseline2017.Cmp(apd.New(561, -1)) == 0 {
			out.Services.BaselineSource = reference.PIIEFinal
		}
	}
	if len(o.Services.ByYear) > 0 {
		out.Services.ActualUSD = map[int]apd.Decimal{}
		for y, v := range o.Services.ByYear {
			out.Services.ActualUSD[y] = money.Mul(v.Decimal, billion)
		}
	}
	var bs []reference.Basis
	for _, b := range o.Bases {
		bs = append(bs, reference.Basis(b))
	}
	return out, bs
}

// complianceConfig returns the first compliance job's options, or the
// defaults when the config has none.
func complianceConfig(cfg *config.Config) *config.ComplianceOptions {
	for _, j := range cfg.Jobs.All() {
		if o, ok := j.Decoded.(*config.ComplianceOptions); ok {
			return o
		}
	}
	return &config.ComplianceOptions{Baseline: "lake", Proration: "linear", Bases: []string{"us_exports", "cn_imports"}}
}

// runCompliance computes a compliance job and publishes its partitions; the
// summary has one result per partition, or one failure.
func (a *app) runCompliance(ctx context.Context, name string, o *config.ComplianceOptions) *pipeline.Summary {
	opts, bs := complianceOptions(o)
	j := compliance.NewJob(name, a.lake, a.cfg.SpoolDir, a.logger.With("job", name))
	s := &pipeline.Summary{}
	rep, series, err := j.Compute(ctx, bs, opts)
	if err != nil {
		a.logger.Error("compliance failed", "job", name, "err", err)
		s.Add(pipeline.Result{Job: name, Status: pipeline.StatusFailed, Err: err})
		return s
	}
	for _, n := range rep.Notes {
		a.logger.Warn("compliance note", "job", name, "note", n)
	}
	parts, err := j.Publish(ctx, rep, series)
	for _, p := range parts {
		st := pipeline.StatusWritten
		if p.Unchanged {
			st = pipeline.StatusUnchanged
		}
		s.Add(pipeline.Result{Job: name, Partition: p.Partition.Path, Status: st, Rows: p.Rows})
	}
	if err != nil {
		a.logger.Error("compliance failed", "job", name, "err", err)
		s.Add(pipeline.Result{Job: name, Status: pipeline.StatusFailed, Err: err})
	}
	return s
}

// cmdCompliance prints the Phase One compliance report from the lake; the
// flags override the compliance job's config. It reads only.
func cmdCompliance(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	f := newFlags("compliance", stderr)
	through := f.String("through", "", "last month reported, YYYY-MM (default: the latest in the lake)")
	basis := f.String("basis", "", "us-exports or cn-imports (default: the job's bases)")
	baseline := f.String("baseline", "", "lake, piie_original or piie_revised")
	proration := f.String("proration", "", "linear or seasonal")
	format := f.String("format", "table", "table, json or csv")
	chart := f.String("chart", "", "also write the chart to this SVG file")
	htmlOut := f.String("html", "", "also write a one-page HTML report (table and charts) to this file")
	pos, err := f.parse(args)
	if err != nil {
		return 0, err
	}
	if len(pos) > 0 {
		return 0, usageError{"compliance takes no arguments"}
	}
	if *format != "table" && *format != "json" && *format != "csv" {
		return 0, usageError{fmt.Sprintf("--format %q is not table, json or csv", *format)}
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return 0, err
	}
	opts, bs := complianceOptions(complianceConfig(cfg))
	if *through != "" {
		if opts.Through, err = civil.ParseMonth(*through); err != nil {
			return 0, usageError{"--through: " + err.Error()}
		}
	}
	if *basis != "" {
		b, err := compliance.ParseBasis(*basis)
		if err != nil {
			return 0, usageError{"--basis: " + err.Error()}
		}
		bs = []reference.Basis{b}
	}
	if *baseline != "" {
		opts.Baseline = *baseline
	}
	if *proration != "" {
		opts.Proration = *proration
	}
	switch opts.Baseline {
	case compliance.BaselineLake, compliance.BaselinePIIEOriginal, compliance.BaselinePIIERevised:
	default:
		return 0, usageError{fmt.Sprintf("--baseline %q is not lake, piie_original or piie_revised", opts.Baseline)}
	}
	if opts.Proration != compliance.ProrationLinear && opts.Proration != compliance.ProrationSeasonal {
		return 0, usageError{fmt.Sprintf("--proration %q is not linear or seasonal", opts.Proration)}
	}
	l, err := lake.Open(ctx, cfg.Lake, openers(cfg))
	if err != nil {
		return 0, fmt.Errorf("open lake: %w", err)
	}
	j := compliance.NewJob("compliance", l, cfg.SpoolDir, newLogger(stderr))
	rep, _, err := j.Compute(ctx, bs, opts)
	if err != nil {
		return 0, fmt.Errorf("lake %s: %w", l.URL(), err)
	}
	switch *format {
	case "json":
		err = compliance.WriteJSON(stdout, rep)
	case "csv":
		err = compliance.WriteCSV(stdout, rep)
	default:
		err = compliance.WriteTable(stdout, rep)
	}
	if err != nil {
		return 0, err
	}
	if *chart != "" {
		if err := writeFile(*chart, rep, compliance.WriteSVG); err != nil {
			return 0, err
		}
		fmt.Fprintf(stderr, "chart written to %s\n", *chart)
	}
	if *htmlOut != "" {
		if err := writeFile(*htmlOut, rep, compliance.WriteHTML); err != nil {
			return 0, err
		}
		fmt.Fprintf(stderr, "report written to %s\n", *htmlOut)
	}
	return exitOK, nil
}

func writeFile(path string, rep *compliance.Report, write func(io.Writer, *compliance.Report) error) error {
	var buf bytes.Buffer
	if err := write(&buf, rep); err != nil {
		return fmt.Errorf("render %s: %w", path, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
