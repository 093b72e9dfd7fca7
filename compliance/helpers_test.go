package compliance

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/parquetfile"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// flow is one trade_flows row for a test lake: an HS code and a value in
// USD billions (decimal text). "12019010|regime" also sets the row's
// customs regime.
type flow struct {
	hs, bn string
}

func month(s string) civil.Month {
	m, err := civil.ParseMonth(s)
	if err != nil {
		panic(err)
	}
	return m
}

func bn(s string) apd.Decimal { return money.Mul(money.MustParse(s), *apd.New(1, 9)) }

// putFlows publishes one trade_flows partition of basis b for month m with
// the given rows; covers is covers_months.
func putFlows(t *testing.T, l lake.Lake, b reference.Basis, m civil.Month, covers int, rows ...flow) {
	t.Helper()
	source, flowName, reporter, partner := "census", "export", "US", "CN"
	if b == reference.CNImports {
		source, flowName, reporter, partner = "gacc", "import", "CN", "US"
	}
	w, err := parquetfile.Create[schema.TradeFlowRecord](t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		hs, regime, _ := strings.Cut(r.hs, "|")
		tf := schema.TradeFlow{
			Period: m, Reporter: reporter, Partner: partner, Flow: flowName, HSCode: hs, CustomsRegime: regime,
			ValueUSD: bn(r.bn), Valuation: "FAS", CoversMonths: covers, Source: source,
			ReleaseID: "test", SourceURI: "test://", SourceSHA256: "00", IngestedAt: time.Unix(0, 0),
		}
		rec, err := tf.Record()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	// A row of another partner must be ignored.
	other := schema.TradeFlow{Period: m, Reporter: reporter, Partner: "HK", Flow: flowName, HSCode: "120190",
		ValueUSD: bn("99"), CoversMonths: covers, Source: source}
	rec, err := other.Record()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	f, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	pub := &publish.Publisher{Lake: l.(lake.Conditional)}
	_, err = pub.Publish(context.Background(), publish.Commit{
		Partition: schema.TradeFlowPartition(source, flowName, m),
		Group:     publish.Group{Name: "part-00000", Rows: f.Rows},
		Local:     []publish.LocalFile{{Name: "part-00000.parquet", Path: f.Path, Rows: f.Rows, Bytes: f.Bytes, SHA256: f.SHA256}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func newLake(t *testing.T) lake.Lake {
	t.Helper()
	l, err := lake.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func compute(t *testing.T, l lake.Lake, o Options, bs ...reference.Basis) (*Report, error) {
	t.Helper()
	j := NewJob("compliance", l, t.TempDir(), nil)
	rep, _, err := j.Compute(context.Background(), bs, o)
	return rep, err
}

// row finds the report row of basis, month and category.
func row(t *testing.T, rep *Report, b reference.Basis, m string, c reference.Category) schema.Compliance {
	t.Helper()
	for _, r := range rep.Rows {
		if r.Basis == string(b) && r.Period == month(m) && r.Category == string(c) {
			return r
		}
	}
	t.Fatalf("no row %s %s %s", b, m, c)
	return schema.Compliance{}
}

func hasRow(rep *Report, b reference.Basis, m string, c reference.Category) bool {
	for _, r := range rep.Rows {
		if r.Basis == string(b) && r.Period == month(m) && r.Category == string(c) {
			return true
		}
	}
	return false
}

func str(d *apd.Decimal) string {
	if d == nil {
		return "null"
	}
	return d.Text('f')
}

// tenths rounds d (USD) to USD billions with one decimal, as PIIE prints.
func tenths(d *apd.Decimal) string {
	if d == nil {
		return "null"
	}
	var q apd.Decimal
	c := apd.BaseContext.WithPrecision(34)
	c.Rounding = apd.RoundHalfUp
	if _, err := c.Quo(&q, d, apd.New(1, 9)); err != nil {
		panic(err)
	}
	if _, err := c.Quantize(&q, &q, -1); err != nil {
		panic(err)
	}
	return q.Text('f')
}

func pctString(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprintf("%.0f", *p)
}
