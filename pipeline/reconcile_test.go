package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/sinks/lake/laketest"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sources"
)

// lineParser reads a test format standing in for any source with detail
// and totals, one figure a line:
//
//	flow  YYYY-MM REPORTER PARTNER HS VALUE COVERS
//	total YYYY-MM REPORTER PARTNER VALUE COVERS
type lineParser struct{ source string }

func (p lineParser) Parse(ctx context.Context, r *sources.Release, e sources.Emitter) error {
	f, err := os.Open(r.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Fields(sc.Text())
		if len(c) == 0 {
			continue
		}
		m, err := civil.ParseMonth(c[1])
		if err != nil {
			return err
		}
		switch {
		case c[0] == "flow" && len(c) == 7:
			covers, _ := strconv.Atoi(c[6])
			err = e.TradeFlow(&schema.TradeFlow{
				Period: m, Reporter: c[2], Partner: c[3], Flow: "import", HSCode: c[4], ValueUSD: money.MustParse(c[5]),
				Valuation: "CIF", CoversMonths: covers, Source: p.source, ReleaseID: r.ReleaseID, SourceURI: r.URI, SourceSHA256: r.SHA256,
			})
		case c[0] == "total" && len(c) == 6:
			covers, _ := strconv.Atoi(c[5])
			err = e.TradeTotal(&schema.TradeTotal{
				Period: m, Reporter: c[2], Partner: c[3], Flow: "import", ValueUSD: money.MustParse(c[4]),
				CoversMonths: covers, Source: p.source, ReleaseID: r.ReleaseID, SourceURI: r.URI, SourceSHA256: r.SHA256,
			})
		default:
			return sources.Permanent(fmt.Errorf("bad line %q", sc.Text()))
		}
		if err != nil {
			return err
		}
	}
	return sc.Err()
}

func writeInput(t *testing.T, dir, name string, at time.Time, lines ...string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, at, at); err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	aprFlows  = "trade_flows/source=gacc/flow=import/year=2020/month=04"
	janFebKey = "_state/v1/reconcile/gacc/import/2020-02.json"
	aprKey    = "_state/v1/reconcile/gacc/import/2020-04.json"
)

// HS detail and the release's totals are compared after the second of
// them lands, in either order: April's HS rows miss the total by 6.25%
// (a warning in the trade_flows manifest, the record and the summary);
// the combined Jan–Feb total matches the Jan–Feb HS rows. A corrected
// detail file clears the warning.
func TestReconciliation(t *testing.T) {
	detail := []string{
		"flow 2020-04 CN US 12019000 1000.00 1",
		"flow 2020-04 CN US 87032300 500.00 1",
		"flow 2020-04 CN JP 87032300 77.00 1", // no JP total in the release: not compared
		"flow 2020-02 CN US 12019000 2000.00 2",
		"flow 2020-02 CN US 87032300 1000.00 2",
	}
	release := []string{
		"total 2020-04 CN US 1600.00 1",
		"total 2020-04 CN DE 5000.00 1", // no DE detail: not compared
		"total 2020-02 CN US 3000.00 2",
		"total 2020-02 CN US 9999.00 1", // a single-month figure is not the Jan–Feb one
	}
	for _, order := range []string{"detail first", "totals first"} {
		t.Run(order, func(t *testing.T) {
			ctx := context.Background()
			l, _ := lake.NewDir(t.TempDir())
			r := newRunner(t, l, nil)
			job := &Job{Name: "gacc", Source: "gacc", Parser: lineParser{"gacc"}}
			in := t.TempDir()
			d := writeInput(t, in, "detail.txt", march, detail...)
			rel := writeInput(t, in, "release.txt", march, release...)
			inputs := []string{d, rel}
			if order == "totals first" {
				inputs = []string{rel, d}
			}
			s1 := r.Ingest(ctx, job, inputs[:1])
			if s1.Failed() {
				t.Fatal(s1.Results)
			}
			if _, err := l.Stat(ctx, aprKey); err == nil {
				t.Fatal("reconciled with one side missing")
			}
			s := r.Ingest(ctx, job, inputs[1:])
			if s.Failed() {
				t.Fatal(s.Results)
			}
			var out strings.Builder
			s.Print(&out)
			wantWarning := "reconcile: gacc import 2020-04 CN×US: HS-8 rows sum to 1500.00 USD, published total 1600.00 USD (diff -100.00, -6.25%)"
			if !strings.Contains(out.String(), "WARNING gacc ") || !strings.Contains(out.String(), wantWarning) {
				t.Errorf("summary:\n%s", out.String())
			}
			m, err := publish.Load(ctx, l, aprFlows)
			if err != nil || m == nil || strings.Join(m.Group("part-00000").Warnings, "\n") != wantWarning {
				t.Fatalf("April manifest warnings: %+v, %v", m, err)
			}
			recs, err := ReconcileRecords(ctx, l)
			if err != nil || len(recs) != 2 {
				t.Fatalf("records: %+v, %v", recs, err)
			}
			feb, apr := recs[0], recs[1]
			if !feb.OK || len(feb.Checks) != 1 || feb.Checks[0].CoversMonths != 2 || feb.Checks[0].HSSumUSD != "3000.00" || feb.Checks[0].TotalUSD != "3000.00" {
				t.Errorf("Jan–Feb record: %+v", feb)
			}
			if apr.OK || len(apr.Checks) != 1 || apr.Checks[0].Partner != "US" || apr.Checks[0].DiffPercent != "-6.25" || apr.Tolerance != "0.005" || apr.Checks[0].HSRows != 2 {
				t.Errorf("April record: %+v", apr)
			}
			if got := apr.String(); got != "gacc import 2020-04: HS rows vs published totals MISMATCH in 1 of 1 checks (tolerance 0.005)" {
				t.Errorf("status line: %s", got)
			}
			mf, _ := publish.Load(ctx, l, "trade_flows/source=gacc/flow=import/year=2020/month=02")
			if w := mf.Group("part-00000").Warnings; len(w) != 0 {
				t.Errorf("Jan–Feb warnings: %q", w)
			}

			// Totals keep their vintages too.
			if h, err := publish.Load(ctx, l, "trade_totals_history/source=gacc/flow=import/year=2020/month=04"); err != nil || h == nil || len(h.Groups) != 1 || h.Rows != 2 {
				t.Errorf("trade_totals history: %+v, %v", h, err)
			}

			// Running both again writes nothing.
			before := laketest.Snapshot(t, l)
			if s := r.Ingest(ctx, job, inputs); s.Failed() || s.Count(StatusUnchanged) != 4 {
				t.Fatalf("re-run: %+v", s.Results)
			}
			if got := laketest.Changed(before, laketest.Snapshot(t, l)); len(got) != 0 {
				t.Errorf("re-run wrote %v", got)
			}

			// The corrected detail: April adds up, its warning goes.
			fixed := writeInput(t, in, "detail-fixed.txt", april, append(detail, "flow 2020-04 CN US 27011200 100.00 1")...)
			if s := r.Ingest(ctx, job, []string{fixed}); s.Failed() || s.Count(StatusWritten) != 1 {
				t.Fatalf("corrected detail: %+v", s.Results)
			}
			m, _ = publish.Load(ctx, l, aprFlows)
			if w := m.Group("part-00000").Warnings; len(w) != 0 {
				t.Errorf("warnings after the fix: %q", w)
			}
			recs, _ = ReconcileRecords(ctx, l)
			if !recs[1].OK || recs[1].Checks[0].HSSumUSD != "1600.00" || recs[1].FlowsReleaseIDs[0][:8] != "20200410" {
				t.Errorf("April record after the fix: %+v", recs[1])
			}
		})
	}
}

func TestCompareTotalsTolerance(t *testing.T) {
	flows := func(values ...string) []schema.TradeFlowRecord {
		var out []schema.TradeFlowRecord
		for _, v := range values {
			c, _ := money.Cents(money.MustParse(v))
			out = append(out, schema.TradeFlowRecord{Reporter: "CN", Partner: "US", HSLevel: 8, CoversMonths: 1, ValueUSD: c})
		}
		return out
	}
	total := func(v string) []schema.TradeTotalRecord {
		c, _ := money.Cents(money.MustParse(v))
		return []schema.TradeTotalRecord{{Reporter: "CN", Partner: "US", CoversMonths: 1, ValueUSD: c}}
	}
	half := apd.New(5, -3)
	for _, tc := range []struct {
		name      string
		flows     []schema.TradeFlowRecord
		total     string
		tol       *apd.Decimal
		ok        bool
		diff, pct string
	}{
		{"exact", flows("600", "400"), "1000", half, true, "0.00", "0.00"},
		{"at the limit", flows("1005"), "1000", half, true, "5.00", "0.50"},
		{"a cent over", flows("1005.01"), "1000", half, false, "5.01", "0.50"},
		{"under", flows("994.99"), "1000", half, false, "-5.01", "-0.50"},
		{"wider tolerance", flows("940"), "1000", apd.New(1, -1), true, "-60.00", "-6.00"},
		{"zero total", flows("1"), "0", half, false, "1.00", ""},
		{"both zero", flows("0"), "0", half, true, "0.00", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checks, err := compareTotals(tc.flows, total(tc.total), tc.tol)
			if err != nil || len(checks) != 1 {
				t.Fatalf("checks = %+v, %v", checks, err)
			}
			c := checks[0]
			if c.OK != tc.ok || c.DiffUSD != tc.diff || c.DiffPercent != tc.pct {
				t.Errorf("check = %+v, want ok %v diff %s pct %s", c, tc.ok, tc.diff, tc.pct)
			}
		})
	}
}

// Sums are exact beyond what int64 cents hold.
func TestCompareTotalsDoesNotOverflow(t *testing.T) {
	big := schema.TradeFlowRecord{Reporter: "CN", Partner: "US", HSLevel: 8, CoversMonths: 1, ValueUSD: 1<<63 - 1}
	tot := []schema.TradeTotalRecord{{Reporter: "CN", Partner: "US", CoversMonths: 1, ValueUSD: 1}}
	checks, err := compareTotals([]schema.TradeFlowRecord{big, big}, tot, DefaultReconcileTolerance)
	if err != nil || len(checks) != 1 || checks[0].HSSumUSD != "184467440737095516.14" || checks[0].OK {
		t.Fatalf("checks = %+v, %v", checks, err)
	}
}
