package server

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/pipeline"
)

// The status page is server-rendered from the same reads as the API
// (Jobs, the ledger, the backfills), with its stylesheet embedded: no
// script, no CDN, readable in a text browser.

//go:embed assets
var assets embed.FS

var pageTmpl = template.Must(template.New("status.html").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04Z")
	},
}).ParseFS(assets, "assets/status.html"))

// PageSources are what the status page shows besides the executor's jobs,
// ledger and backfills. Either may be nil: its section then says so.
type PageSources struct {
	// Reconciliation returns the reconciliation records of the lake.
	// ctx bounds the reads; an error is shown on the page.
	Reconciliation func(ctx context.Context) ([]pipeline.ReconcileRecord, error)
	// ComplianceChart writes the latest compliance chart as SVG to w, or
	// nothing when the lake has no compliance data. ctx bounds the reads;
	// an error is shown on the page.
	ComplianceChart func(ctx context.Context, w io.Writer) error
	// Version is shown in the page's footer.
	Version string
}

// cell is one job's state for one month in the grid.
type cell struct {
	Status string // a ledger status, or "" for no run
	Title  string // what a hover (or a screen reader) tells
}

type gridRow struct {
	Month civil.Month
	Cells []cell
}

type backfillRow struct {
	BackfillView
	Total int
}

type pageData struct {
	Now            time.Time
	Jobs           []JobInfo
	Grid           []gridRow
	GridJobs       []string
	Backfills      []backfillRow
	Warnings       []string
	Checked        int
	Records        int
	ReconcileErr   string
	NoReconcile    bool
	Chart          template.HTML
	ChartErr       string
	NoChart        bool
	Version        string
	StatusesLegend []string
}

func (s *Server) routePage() {
	sub, _ := fs.Sub(assets, "assets")
	s.mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(sub)))
	s.mux.HandleFunc("GET /{$}", s.page)
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	d, err := s.pageData(r.Context(), time.Now())
	if err != nil {
		http.Error(w, "status: "+err.Error(), http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, d); err != nil {
		http.Error(w, "status: render: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:")
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) pageData(ctx context.Context, now time.Time) (*pageData, error) {
	jobs, err := Jobs(ctx, s.exec, now)
	if err != nil {
		return nil, err
	}
	d := &pageData{Now: now, Jobs: jobs, Version: s.opts.Page.Version,
		StatusesLegend: []string{pipeline.LedgerSucceeded, pipeline.LedgerUnchanged, pipeline.LedgerRunning, pipeline.LedgerFailed, pipeline.LedgerInterrupted, pipeline.LedgerEmpty}}

	// The month-by-job grid: monthly jobs only (a derived job's one
	// entry has no month), newest month first.
	byJob := map[string]map[civil.Month]*pipeline.Entry{}
	var months []civil.Month
	for _, j := range jobs {
		entries, err := s.exec.Ledger().Entries(ctx, j.Name)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Month.IsZero() {
				continue
			}
			if byJob[j.Name] == nil {
				byJob[j.Name] = map[civil.Month]*pipeline.Entry{}
				d.GridJobs = append(d.GridJobs, j.Name)
			}
			byJob[j.Name][e.Month] = e
			if !slices.Contains(months, e.Month) {
				months = append(months, e.Month)
			}
		}
	}
	slices.SortFunc(months, func(a, b civil.Month) int {
		switch {
		case a.Before(b):
			return 1
		case b.Before(a):
			return -1
		}
		return 0
	})
	for _, m := range months {
		row := gridRow{Month: m}
		for _, j := range d.GridJobs {
			c := cell{}
			if e := byJob[j][m]; e != nil {
				c.Status = e.Status
				c.Title = j + " " + m.String() + ": " + e.Status
				if e.Error != "" {
					c.Title += ": " + e.Error
				}
			}
			row.Cells = append(row.Cells, c)
		}
		d.Grid = append(d.Grid, row)
	}

	backfills, err := s.exec.Ledger().Backfills(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range backfills {
		if b.State == pipeline.BackfillRunning {
			d.Backfills = append(d.Backfills, backfillRow{BackfillView: view(b), Total: len(b.Months)})
		}
	}

	if f := s.opts.Page.Reconciliation; f == nil {
		d.NoReconcile = true
	} else if recs, err := f(ctx); err != nil {
		d.ReconcileErr = err.Error()
	} else {
		d.Records = len(recs)
		for _, r := range recs {
			ok := true
			for _, c := range r.Checks {
				if !c.OK {
					ok = false
					d.Warnings = append(d.Warnings, c.Warning(r.Source, r.Flow, r.Period))
				}
			}
			if ok {
				d.Checked++
			}
		}
	}

	if f := s.opts.Page.ComplianceChart; f == nil {
		d.NoChart = true
	} else {
		var svg bytes.Buffer
		if err := f(ctx, &svg); err != nil {
			d.ChartErr = err.Error()
		} else if svg.Len() == 0 {
			d.NoChart = true
		} else {
			// The SVG comes from the compliance package's renderer,
			// which escapes every text it draws.
			d.Chart = template.HTML(svg.String())
		}
	}
	return d, nil
}
