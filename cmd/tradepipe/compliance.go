package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/cockroachdb/apd/v3"
	"github.com/spf13/cobra"

	"github.com/tradepipe/tradepipe/compliance"
	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/config"
	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/reference"
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
	for _, b := range o.Synthetic {
		out.Synthetic = append(out.Synthetic, reference.Basis(b))
	}
	out.ExcludeRegimes = o.ExcludeRegimes
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

type complianceFlags struct {
	through, basis, baseline, proration, format, chart, html string
}

func newComplianceCmd(g *globals) *cobra.Command {
	var cf complianceFlags
	c := &cobra.Command{
		Use:   "compliance [flags]",
		Short: "Phase One compliance report from the lake",
		Long: `Print the Phase One purchase-commitment compliance report computed from the lake.
The flags override the compliance job's config. It reads only.`,
		Example: `  tradepipe compliance --through 2020-06 --basis us-exports
  tradepipe compliance --format csv > compliance.csv
  tradepipe compliance --chart compliance.svg --html compliance.html`,
		Args: noArgs("compliance"),
		RunE: func(*cobra.Command, []string) error { return cmdCompliance(g, cf) },
	}
	f := c.Flags()
	f.StringVar(&cf.through, "through", "", "last month reported, `YYYY-MM` (default: the latest in the lake)")
	f.StringVar(&cf.basis, "basis", "", "us-exports or cn-imports (default: the job's bases)")
	f.StringVar(&cf.baseline, "baseline", "", "lake, piie_original or piie_revised")
	f.StringVar(&cf.proration, "proration", "", "linear or seasonal")
	f.StringVar(&cf.format, "format", "table", "table, json or csv")
	f.StringVar(&cf.chart, "chart", "", "also write the chart to this SVG `FILE`")
	f.StringVar(&cf.html, "html", "", "also write a one-page HTML report (table and charts) to this `FILE`")
	for flag, vals := range map[string][]string{
		"basis": {"us-exports", "cn-imports"}, "baseline": {"lake", "piie_original", "piie_revised"},
		"proration": {"linear", "seasonal"}, "format": {"table", "json", "csv"},
	} {
		_ = c.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(vals, cobra.ShellCompDirectiveNoFileComp))
	}
	return c
}

// complianceChart writes the chart of the config's compliance job, computed
// from the lake, for the status page; nothing when there is no such job.
func (a *app) complianceChart(ctx context.Context, w io.Writer) error {
	if len(a.compliance) == 0 {
		return nil
	}
	opts, bs := complianceOptions(complianceConfig(a.cfg))
	rep, _, err := compliance.NewJob("compliance", a.lake, a.cfg.SpoolDir, nil).Compute(ctx, bs, opts)
	if err != nil {
		return err
	}
	return compliance.WriteSVG(w, rep)
}

// cmdCompliance prints the Phase One compliance report from the lake.
func cmdCompliance(g *globals, cf complianceFlags) error {
	ctx, stdout, stderr := g.ctx, g.stdout, g.stderr
	through, basis, baseline, proration, format, chart, htmlOut := &cf.through, &cf.basis, &cf.baseline, &cf.proration, &cf.format, &cf.chart, &cf.html
	if *format != "table" && *format != "json" && *format != "csv" {
		return usageError{fmt.Sprintf("--format %q is not table, json or csv", *format)}
	}
	cfg, err := loadConfig(g.config)
	if err != nil {
		return err
	}
	opts, bs := complianceOptions(complianceConfig(cfg))
	if *through != "" {
		if opts.Through, err = civil.ParseMonth(*through); err != nil {
			return usageError{"--through: " + err.Error()}
		}
	}
	if *basis != "" {
		b, err := compliance.ParseBasis(*basis)
		if err != nil {
			return usageError{"--basis: " + err.Error()}
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
		return usageError{fmt.Sprintf("--baseline %q is not lake, piie_original or piie_revised", opts.Baseline)}
	}
	if opts.Proration != compliance.ProrationLinear && opts.Proration != compliance.ProrationSeasonal {
		return usageError{fmt.Sprintf("--proration %q is not linear or seasonal", opts.Proration)}
	}
	l, err := lake.Open(ctx, cfg.Lake, openers(cfg))
	if err != nil {
		return fmt.Errorf("open lake: %w", err)
	}
	logger, err := g.logger()
	if err != nil {
		return err
	}
	j := compliance.NewJob("compliance", l, cfg.SpoolDir, logger)
	rep, _, err := j.Compute(ctx, bs, opts)
	if err != nil {
		return fmt.Errorf("lake %s: %w", l.URL(), err)
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
		return err
	}
	if *chart != "" {
		if err := writeFile(*chart, rep, compliance.WriteSVG); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "chart written to %s\n", *chart)
	}
	if *htmlOut != "" {
		if err := writeFile(*htmlOut, rep, compliance.WriteHTML); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "report written to %s\n", *htmlOut)
	}
	return nil
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
