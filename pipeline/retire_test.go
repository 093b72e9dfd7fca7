package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/censustest"
	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/internal/readertest"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sources/census"
)

// A job renamed to a new partner set meets its former name's files (the
// commit refuses it: the month would count China twice). Retiring the
// former name takes its files out in one transaction, with an Iceberg
// snapshot that icebird reads as the Hive view; a retirement killed before
// its outcome record shows nothing; the renamed job then lands, and the
// former name added back publishes its month again instead of calling it
// unchanged.
func TestRetireRenamedJob(t *testing.T) {
	ctx := context.Background()
	api := censustest.New()
	t.Cleanup(api.Close)
	l, root, w := icebergLake(t)
	r := icebergRunner(t, l, w, nil)
	c := &clock{t: fixedNow}
	db := duckdbtest.Open(t)
	apr := civil.Month{Year: 2020, Month: time.April}
	may := civil.Month{Year: 2020, Month: time.May}
	aprDir := "trade_flows/source=census/flow=export/year=2020/month=04"
	mayDir := "trade_flows/source=census/flow=export/year=2020/month=05"

	old := partnerJob(t, api, c, "census-china", census.Options{Flow: "export", Partner: "5700"})
	for _, m := range []civil.Month{apr, may} {
		wantStatus(t, "china "+m.String(), r.RunMonth(ctx, old, m), StatusWritten)
	}
	hk := partnerJob(t, api, c, "census-hk", census.Options{Flow: "export", Partner: "5820"})
	wantStatus(t, "hong kong", r.RunMonth(ctx, hk, apr), StatusWritten)
	renamed := partnerJob(t, api, c, "census-cn-tw", census.Options{Flow: "export", Partners: []string{"5700", "5830"}})
	if rs := r.RunMonth(ctx, renamed, apr); len(rs) != 1 || rs[0].Status != StatusFailed ||
		!strings.Contains(fmt.Sprint(rs[0].Err), "which file partner-CN of job census-china holds") {
		t.Fatalf("renamed job over its former name's file: %+v", rs)
	}
	before := expected(t, "export", "HS6", apr, 0, "5700", "5820")
	sameMap(t, "before", byPartner(t, db, root, "export", apr), before)
	wantRows := int64(0)
	for _, dir := range []string{aprDir, mayDir} {
		m, err := publish.Load(ctx, l, dir)
		if err != nil || m.Group("partner-CN") == nil {
			t.Fatalf("%s: %v, %v", dir, m, err)
		}
		wantRows += m.Group("partner-CN").Rows
	}
	retiredSum := func(rs []Retired) string {
		var b strings.Builder
		var rows int64
		for _, x := range rs {
			fmt.Fprintf(&b, "%s %v %d; ", x.Partition, x.Groups, x.Files)
			rows += x.Rows
		}
		if rows != wantRows {
			t.Errorf("retired rows %d, want %d", rows, wantRows)
		}
		return b.String()
	}
	want := aprDir + " [partner-CN] 1; " + mayDir + " [partner-CN] 1; "

	// A dry run lists and changes nothing.
	rs, err := r.Retire(ctx, "census-china", true)
	if err != nil || retiredSum(rs) != want {
		t.Fatalf("dry run: %s, %v; want %s", retiredSum(rs), err, want)
	}
	sameMap(t, "after the dry run", byPartner(t, db, root, "export", apr), before)

	// Killed before its outcome record: nothing of it is visible, and the
	// next retirement finishes the work.
	killed := icebergRunner(t, l, w, func(s publish.Step, _ string) error {
		if s == publish.StepTxn {
			return errors.New("killed")
		}
		return nil
	})
	if _, err := killed.Retire(ctx, "census-china", false); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("killed retirement: %v", err)
	}
	sameMap(t, "after the killed retirement", byPartner(t, db, root, "export", apr), before)
	if got := partitionViewNames(t, root, mayDir); strings.Join(got, " ") != "partner-CN.parquet" {
		t.Fatalf("May after the killed retirement: %v", got)
	}

	rs, err = r.Retire(ctx, "census-china", false)
	if err != nil || retiredSum(rs) != want {
		t.Fatalf("retire: %s, %v; want %s", retiredSum(rs), err, want)
	}
	if got := partitionViewNames(t, root, aprDir); strings.Join(got, " ") != "partner-HK.parquet" {
		t.Errorf("April after retirement: view files %v", got)
	}
	if got := partitionViewNames(t, root, mayDir); len(got) != 0 {
		t.Errorf("May after retirement: view files %v", got)
	}
	sameMap(t, "after retirement", byPartner(t, db, root, "export", apr), expected(t, "export", "HS6", apr, 0, "5820"))
	md, _, err := w.Current(ctx, "trade_flows")
	if err != nil {
		t.Fatal(err)
	}
	cur := md.CurrentSnapshot()
	if p := cur.Summary.Properties; p["deleted-data-files"] != "2" || p["total-data-files"] != "1" {
		t.Errorf("retirement snapshot: %s %v, want 2 files deleted, 1 left", cur.Summary.Operation, p)
	}
	readertest.Compare(t, "icebird after retirement", readertest.Icebird(t, w.TableLocation("trade_flows"), 0),
		readertest.DuckDB(db).Read(t, viewFiles(t, root, "trade_flows")))
	// History keeps the vintages.
	if h, err := publish.Load(ctx, l, HistoryPartition(schema.Partition{Dataset: schema.DatasetTradeFlows, Path: aprDir, Month: apr}).Path); err != nil || h == nil || len(h.Groups) == 0 || len(h.Groups[0].Files) == 0 {
		t.Errorf("history after retirement: %+v, %v", h, err)
	}
	if rs, err := r.Retire(ctx, "census-china", false); err != nil || len(rs) != 0 {
		t.Errorf("retiring again: %+v, %v; want nothing to do", rs, err)
	}

	wantStatus(t, "renamed after retirement", r.RunMonth(ctx, renamed, apr), StatusWritten)
	sameMap(t, "renamed", byPartner(t, db, root, "export", apr), expected(t, "export", "HS6", apr, 0, "5700", "5820", "5830"))
	// The former name back, for May (its input record still lists May):
	// the month's file is gone, so it is published again.
	wantStatus(t, "former name back", r.RunMonth(ctx, old, may), StatusWritten)
	sameMap(t, "May", byPartner(t, db, root, "export", may), expected(t, "export", "HS6", may, 0, "5700"))
}
